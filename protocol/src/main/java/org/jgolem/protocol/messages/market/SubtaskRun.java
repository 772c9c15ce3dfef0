package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.InvalidMessageException;

/**
 * One run of a {@link SubtaskDefinition} that groups several small subtasks of a task into one
 * assignment: the definition's program is run once per run, with this run's arguments, its inputs
 * in the resources' folder {@code name} and its outputs in the output's folder {@code name}.
 *
 * <p>As an EIP-712 struct it is {@link #TYPE}.
 *
 * @param name the run's folder, both in the resources and in the output: a plain name ({@code
 *     [A-Za-z0-9_.-]}, 1-64, not {@code .} or {@code ..})
 * @param args the arguments after the entry point
 * @param outputPaths the files (relative to the run's output folder) to send back
 */
@JsonPropertyOrder({"name", "args", "outputPaths"})
public record SubtaskRun(String name, List<String> args, List<String> outputPaths) {
  public static final String TYPE = "SubtaskRun(string name,string[] args,string[] outputPaths)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);
  public static final int MAX_NAME = 64;
  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public SubtaskRun {
    // copies that keep null elements, so that validate() can name them
    args = args == null ? null : Collections.unmodifiableList(new ArrayList<>(args));
    outputPaths =
        outputPaths == null ? null : Collections.unmodifiableList(new ArrayList<>(outputPaths));
  }

  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.string(name),
        SubtaskDefinition.stringArray(args),
        SubtaskDefinition.stringArray(outputPaths));
  }

  public void validate(String field) {
    if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw InvalidMessageException.invalid(
          field + ".name",
          "must be 1-" + MAX_NAME + " characters of [A-Za-z0-9_.-], not \".\" or \"..\"");
    }
    Rules.strings(field + ".args", args, SubtaskDefinition.MAX_LIST, 0, SubtaskDefinition.MAX_ITEM);
    SubtaskDefinition.outputPaths(field + ".outputPaths", outputPaths);
  }
}
