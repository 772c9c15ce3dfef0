package org.jgolem.protocol.messages;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.crypto.StructuredDataEncoder;

/**
 * The EIP-712 hashing of evidence messages, computed independently: type strings written out in
 * full, every field encoded by hand (no {@link Eip712} helper), and, as a second opinion, web3j's
 * JSON typed-data encoder ({@code eth_signTypedData_v4} semantics).
 */
class Eip712CrossCheckTest {
  private final MessageCodec codec = Fixtures.codec();

  // --- by hand ---------------------------------------------------------------------------------

  private static byte[] keccak(byte[] b) {
    return Hash.sha3(b);
  }

  private static byte[] keccak(String s) {
    return keccak(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A 32-byte big-endian word: an unsigned integer or an address, left-padded with zeros. */
  private static byte[] word(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int skip = raw.length > 32 ? raw.length - 32 : 0; // BigInteger's sign byte
    System.arraycopy(raw, skip, out, 32 - (raw.length - skip), raw.length - skip);
    return out;
  }

  private static byte[] word(long v) {
    return word(BigInteger.valueOf(v));
  }

  private static byte[] word(Address a) {
    return word(new BigInteger(1, HexFormat.of().parseHex(a.hex().substring(2))));
  }

  /** bytes16/bytes32: right-padded. */
  private static byte[] right(byte[] b) {
    byte[] out = new byte[32];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] stringArray(List<String> items) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : items) {
      out.writeBytes(keccak(s));
    }
    return keccak(out.toByteArray());
  }

  private static byte[] domainSeparator() {
    return keccak(
        cat(
            keccak("EIP712Domain(string name,string version,uint256 chainId)"),
            keccak("jgolem"),
            keccak("1"),
            word(Fixtures.CHAIN_ID)));
  }

  /** The digest an envelope's signature covers, by hand. */
  private static byte[] envelopeDigest(Envelope e, byte[] payloadStructHash) {
    byte[] message =
        keccak(
            cat(
                keccak(
                    "Message(uint16 protocolVersion,uint16 messageType,address sender,uint64 timestamp,bytes16 messageId,"
                        + "bytes32 payload)"),
                word(e.protocolVersion()),
                word(e.type().code()),
                word(e.sender()),
                word(e.timestamp()),
                right(e.messageId()),
                payloadStructHash));
    return keccak(cat(new byte[] {0x19, 0x01}, domainSeparator(), message));
  }

  private static byte[] subtaskResultsAcceptedByHand(SubtaskResultsAccepted a) {
    return keccak(
        cat(
            keccak(
                "SubtaskResultsAccepted(bytes32 reportHash,bytes32 subtaskId,address requestor,address provider,"
                    + "uint256 price,uint64 paymentTs)"),
            a.reportHash(),
            a.subtaskId(),
            word(a.requestor()),
            word(a.provider()),
            word(a.price()),
            word(a.paymentTs())));
  }

  private static byte[] noteByHand(WireNote n) {
    return keccak(
        cat(
            keccak(
                "SignedNote(address payer,address payee,uint256 amount,bytes32 subtaskId,uint8 purpose,uint8 v,"
                    + "bytes32 r,bytes32 s)"),
            word(n.payer()),
            word(n.payee()),
            word(n.amount()),
            n.subtaskId(),
            word(n.purpose().ordinal()),
            word(n.v()),
            n.r(),
            n.s()));
  }

  private static byte[] taskToComputeByHand(TaskToCompute t) {
    String limitsType =
        "ResourceLimits(uint32 cpuCores,uint64 memoryMib,uint64 timeoutSeconds,uint64 maxOutputBytes)";
    String definitionType =
        "SubtaskDefinition(string environment,string image,string resourcesCid,string entryPoint,"
            + "string[] args,string[] outputPaths,ResourceLimits limits,SubtaskRun[] runs)";
    String runType = "SubtaskRun(string name,string[] args,string[] outputPaths)";
    String noteType =
        "SignedNote(address payer,address payee,uint256 amount,bytes32 subtaskId,uint8 purpose,uint8 v,bytes32 r,bytes32 s)";
    String ttcType =
        "TaskToCompute(bytes32 taskId,bytes32 subtaskId,address requestor,address provider,uint256 price,"
            + "uint64 deadline,SubtaskDefinition definition,SignedNote providerNote,SignedNote concentNote)";
    var d = t.definition();
    var l = d.limits();
    byte[] limits =
        keccak(
            cat(
                keccak(limitsType),
                word(l.cpuCores()),
                word(l.memoryMib()),
                word(l.timeoutSeconds()),
                word(l.maxOutputBytes())));
    byte[][] runs = new byte[d.runs().size()][];
    for (int i = 0; i < runs.length; i++) {
      var r = d.runs().get(i);
      runs[i] =
          keccak(
              cat(
                  keccak(runType),
                  keccak(r.name()),
                  stringArray(r.args()),
                  stringArray(r.outputPaths())));
    }
    byte[] definition =
        keccak(
            cat(
                keccak(definitionType + limitsType + runType),
                keccak(d.environment()),
                keccak(d.image()),
                keccak(d.resourcesCid()),
                keccak(d.entryPoint()),
                stringArray(d.args()),
                stringArray(d.outputPaths()),
                limits,
                keccak(cat(runs))));
    return keccak(
        cat(
            keccak(
                ttcType
                    + limitsType
                    + noteType
                    + definitionType
                    + runType), // referenced types sorted by name
            t.taskId(),
            t.subtaskId(),
            word(t.requestor()),
            word(t.provider()),
            word(t.price()),
            word(t.deadline()),
            definition,
            noteByHand(t.providerNote()),
            noteByHand(t.concentNote())));
  }

  @Test
  void subtaskResultsAcceptedMatchesAHandComputation() throws Exception {
    Envelope e = Fixtures.golden(codec, MessageType.SUBTASK_RESULTS_ACCEPTED);
    SubtaskResultsAccepted a = e.payload(SubtaskResultsAccepted.class);
    byte[] byHand = subtaskResultsAcceptedByHand(a);
    assertThat(a.structHash()).isEqualTo(byHand);
    assertThat(MessageHasher.payloadHash(a, e.payloadBytes())).isEqualTo(byHand);

    byte[] digest = envelopeDigest(e, byHand);
    assertThat(
            codec
                .hasher()
                .digest(
                    e.protocolVersion(),
                    e.type(),
                    e.sender(),
                    e.timestamp(),
                    e.messageId(),
                    MessageHasher.payloadHash(a, e.payloadBytes())))
        .isEqualTo(digest);
    assertSignedBySender(e, digest);
  }

  @Test
  void taskToComputeMatchesAHandComputation() throws Exception {
    Envelope e = Fixtures.golden(codec, MessageType.TASK_TO_COMPUTE);
    TaskToCompute t = e.payload(TaskToCompute.class);
    byte[] byHand = taskToComputeByHand(t);
    assertThat(t.structHash()).isEqualTo(byHand);
    assertSignedBySender(e, envelopeDigest(e, byHand));
  }

  @Test
  void aChangedFieldChangesTheHandComputedHashToo() {
    // Guards the hand computation itself: it must depend on the fields it encodes.
    SubtaskResultsAccepted a =
        (SubtaskResultsAccepted) Fixtures.payload(MessageType.SUBTASK_RESULTS_ACCEPTED);
    SubtaskResultsAccepted later =
        new SubtaskResultsAccepted(
            a.reportHash(),
            a.subtaskId(),
            a.requestor(),
            a.provider(),
            a.price(),
            a.paymentTs() + 1);
    assertThat(subtaskResultsAcceptedByHand(later)).isNotEqualTo(subtaskResultsAcceptedByHand(a));
    assertThat(later.structHash()).isEqualTo(subtaskResultsAcceptedByHand(later));
  }

  private static void assertSignedBySender(Envelope e, byte[] digest) throws Exception {
    var sig = e.signature();
    BigInteger pub =
        Sign.signedMessageHashToKey(
            digest, new Sign.SignatureData((byte) sig.v(), sig.r(), sig.s()));
    assertThat(Address.of(Keys.getAddress(pub))).isEqualTo(e.sender());
  }

  // --- web3j's typed-data encoder ---------------------------------------------------------------

  private static Map<String, Object> field(String name, String type) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("name", name);
    f.put("type", type);
    return f;
  }

  private static String hex(byte[] b) {
    return "0x" + HexFormat.of().formatHex(b);
  }

  private static Map<String, Object> note(WireNote n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("payer", n.payer().hex());
    m.put("payee", n.payee().hex());
    m.put("amount", n.amount().toString());
    m.put("subtaskId", hex(n.subtaskId()));
    m.put("purpose", n.purpose().ordinal());
    m.put("v", n.v());
    m.put("r", hex(n.r()));
    m.put("s", hex(n.s()));
    return m;
  }

  private static StructuredDataEncoder web3jEncoder(
      String primaryType,
      Map<String, List<Map<String, Object>>> structTypes,
      Map<String, Object> message)
      throws Exception {
    Map<String, Object> types = new LinkedHashMap<>();
    types.put(
        "EIP712Domain",
        List.of(field("name", "string"), field("version", "string"), field("chainId", "uint256")));
    types.putAll(structTypes);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("types", types);
    json.put("primaryType", primaryType);
    json.put("domain", Map.of("name", "jgolem", "version", "1", "chainId", Fixtures.CHAIN_ID));
    json.put("message", message);
    return new StructuredDataEncoder(new ObjectMapper().writeValueAsString(json));
  }

  @Test
  void web3jTypedDataEncoderAgreesOnSubtaskResultsAccepted() throws Exception {
    SubtaskResultsAccepted a =
        (SubtaskResultsAccepted) Fixtures.payload(MessageType.SUBTASK_RESULTS_ACCEPTED);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reportHash", hex(a.reportHash()));
    m.put("subtaskId", hex(a.subtaskId()));
    m.put("requestor", a.requestor().hex());
    m.put("provider", a.provider().hex());
    m.put("price", a.price().toString());
    m.put("paymentTs", a.paymentTs());
    byte[] web3j =
        web3jEncoder(
                "SubtaskResultsAccepted",
                Map.of(
                    "SubtaskResultsAccepted",
                    List.of(
                        field("reportHash", "bytes32"),
                        field("subtaskId", "bytes32"),
                        field("requestor", "address"),
                        field("provider", "address"),
                        field("price", "uint256"),
                        field("paymentTs", "uint64"))),
                m)
            .hashStructuredData();
    assertThat(Eip712.hash(codec.hasher().domainSeparator(), a.structHash())).isEqualTo(web3j);
  }

  @Test
  void taskHeaderMatchesAHandComputationAndWeb3j() throws Exception {
    TaskHeader h = (TaskHeader) Fixtures.payload(MessageType.TASK_HEADER);
    assertThat(h.concentEnabled()).as("the golden header has Concent on").isTrue();
    byte[] byHand =
        keccak(
            cat(
                keccak(
                    "TaskHeader(bytes32 taskId,address requestor,address requestorNode,string requestorHost,"
                        + "uint16 requestorPort,string environment,string image,uint256 maxPricePerHour,"
                        + "uint32 subtaskCount,uint64 subtaskTimeoutSeconds,uint64 deadline,uint64 minMemoryMib,"
                        + "uint32 minCpuCores,bool concentEnabled)"),
                h.taskId(),
                word(h.requestor()),
                word(h.requestorEndpoint().nodeId()),
                keccak(h.requestorEndpoint().host()),
                word(h.requestorEndpoint().port()),
                keccak(h.environment()),
                keccak(h.image()),
                word(h.maxPricePerHour()),
                word(h.subtaskCount()),
                word(h.subtaskTimeoutSeconds()),
                word(h.deadline()),
                word(h.minMemoryMib()),
                word(h.minCpuCores()),
                word(1)));
    assertThat(h.structHash()).isEqualTo(byHand);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("taskId", hex(h.taskId()));
    m.put("requestor", h.requestor().hex());
    m.put("requestorNode", h.requestorEndpoint().nodeId().hex());
    m.put("requestorHost", h.requestorEndpoint().host());
    m.put("requestorPort", h.requestorEndpoint().port());
    m.put("environment", h.environment());
    m.put("image", h.image());
    m.put("maxPricePerHour", h.maxPricePerHour().toString());
    m.put("subtaskCount", h.subtaskCount());
    m.put("subtaskTimeoutSeconds", h.subtaskTimeoutSeconds());
    m.put("deadline", h.deadline());
    m.put("minMemoryMib", h.minMemoryMib());
    m.put("minCpuCores", h.minCpuCores());
    m.put("concentEnabled", h.concentEnabled());
    byte[] web3j =
        web3jEncoder(
                "TaskHeader",
                Map.of(
                    "TaskHeader",
                    List.of(
                        field("taskId", "bytes32"),
                        field("requestor", "address"),
                        field("requestorNode", "address"),
                        field("requestorHost", "string"),
                        field("requestorPort", "uint16"),
                        field("environment", "string"),
                        field("image", "string"),
                        field("maxPricePerHour", "uint256"),
                        field("subtaskCount", "uint32"),
                        field("subtaskTimeoutSeconds", "uint64"),
                        field("deadline", "uint64"),
                        field("minMemoryMib", "uint64"),
                        field("minCpuCores", "uint32"),
                        field("concentEnabled", "bool"))),
                m)
            .hashStructuredData();
    assertThat(Eip712.hash(codec.hasher().domainSeparator(), h.structHash())).isEqualTo(web3j);
    TaskHeader without =
        new TaskHeader(
            h.taskId(),
            h.requestor(),
            h.requestorEndpoint(),
            h.environment(),
            h.image(),
            h.maxPricePerHour(),
            h.subtaskCount(),
            h.subtaskTimeoutSeconds(),
            h.deadline(),
            h.minMemoryMib(),
            h.minCpuCores(),
            false,
            h.signature());
    assertThat(without.structHash()).as("the flag is signed").isNotEqualTo(h.structHash());
    assertThat(without.hasValidAuthorSignature(codec.hasher())).isFalse();
  }

  @Test
  void web3jTypedDataEncoderAgreesOnTaskToCompute() throws Exception {
    web3jAgreesOn(Fixtures.taskToCompute());
  }

  @Test
  void web3jTypedDataEncoderAgreesOnAGroupedTaskToCompute() throws Exception {
    web3jAgreesOn(Fixtures.groupedTaskToCompute());
  }

  @Test
  void groupedTaskToComputeMatchesAHandComputation() {
    TaskToCompute t = Fixtures.groupedTaskToCompute();
    assertThat(t.definition().runs()).hasSize(3);
    assertThat(t.structHash())
        .isEqualTo(taskToComputeByHand(t))
        .isNotEqualTo(taskToComputeByHand(Fixtures.taskToCompute()));
  }

  private void web3jAgreesOn(TaskToCompute t) throws Exception {
    var d = t.definition();
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("cpuCores", d.limits().cpuCores());
    limits.put("memoryMib", d.limits().memoryMib());
    limits.put("timeoutSeconds", d.limits().timeoutSeconds());
    limits.put("maxOutputBytes", d.limits().maxOutputBytes());
    Map<String, Object> definition = new LinkedHashMap<>();
    definition.put("environment", d.environment());
    definition.put("image", d.image());
    definition.put("resourcesCid", d.resourcesCid());
    definition.put("entryPoint", d.entryPoint());
    definition.put("args", d.args());
    definition.put("outputPaths", d.outputPaths());
    definition.put("limits", limits);
    List<Map<String, Object>> runs = new java.util.ArrayList<>();
    for (var r : d.runs()) {
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("name", r.name());
      run.put("args", r.args());
      run.put("outputPaths", r.outputPaths());
      runs.add(run);
    }
    definition.put("runs", runs);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("taskId", hex(t.taskId()));
    m.put("subtaskId", hex(t.subtaskId()));
    m.put("requestor", t.requestor().hex());
    m.put("provider", t.provider().hex());
    m.put("price", t.price().toString());
    m.put("deadline", t.deadline());
    m.put("definition", definition);
    m.put("providerNote", note(t.providerNote()));
    m.put("concentNote", note(t.concentNote()));
    Map<String, List<Map<String, Object>>> types = new LinkedHashMap<>();
    types.put(
        "TaskToCompute",
        List.of(
            field("taskId", "bytes32"),
            field("subtaskId", "bytes32"),
            field("requestor", "address"),
            field("provider", "address"),
            field("price", "uint256"),
            field("deadline", "uint64"),
            field("definition", "SubtaskDefinition"),
            field("providerNote", "SignedNote"),
            field("concentNote", "SignedNote")));
    types.put(
        "SubtaskDefinition",
        List.of(
            field("environment", "string"),
            field("image", "string"),
            field("resourcesCid", "string"),
            field("entryPoint", "string"),
            field("args", "string[]"),
            field("outputPaths", "string[]"),
            field("limits", "ResourceLimits"),
            field("runs", "SubtaskRun[]")));
    types.put(
        "SubtaskRun",
        List.of(
            field("name", "string"), field("args", "string[]"), field("outputPaths", "string[]")));
    types.put(
        "ResourceLimits",
        List.of(
            field("cpuCores", "uint32"),
            field("memoryMib", "uint64"),
            field("timeoutSeconds", "uint64"),
            field("maxOutputBytes", "uint64")));
    types.put(
        "SignedNote",
        List.of(
            field("payer", "address"),
            field("payee", "address"),
            field("amount", "uint256"),
            field("subtaskId", "bytes32"),
            field("purpose", "uint8"),
            field("v", "uint8"),
            field("r", "bytes32"),
            field("s", "bytes32")));
    StructuredDataEncoder enc = web3jEncoder("TaskToCompute", types, m);
    assertThat(enc.encodeType("TaskToCompute")).isEqualTo(TaskToCompute.TYPE);
    assertThat(enc.hashStructuredData())
        .isEqualTo(Eip712.hash(codec.hasher().domainSeparator(), t.structHash()));
  }
}
