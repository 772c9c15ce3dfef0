package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;

/**
 * A gWASM render task written under the network's root and created on the requestor through its
 * API, with each provider's GNT noted first (what {@link Conditions#paidExactlyOnce} compares
 * against).
 */
public record RenderRun(RenderTask render, String taskId, Map<Address, BigInteger> before) {
  public static RenderRun create(
      Network net, NodeProcess requestor, List<NodeProcess> providers, RenderTask.Spec spec) {
    RenderTask render = RenderTask.write(net.root().resolve("task"), spec);
    Map<Address, BigInteger> before = net.chain().gnt(providers);
    Api.Response created = requestor.api().createTask(render.taskFile());
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    return new RenderRun(render, created.task().id(), before);
  }
}
