package org.jgolem.ipfs.embedded;

import java.io.IOException;
import org.jgolem.ipfs.ResourceStore;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.exchange.Providers;
import org.jgolem.ipfs.kubo.KuboResourceStore;

/** Opens the backend the configuration names. */
public final class ResourceStores {
  private ResourceStores() {}

  public static ResourceStore open(
      ResourceStoreConfig config, Providers providers, PeerReports reports) throws IOException {
    return switch (config.backend()) {
      case EMBEDDED -> EmbeddedResourceStore.open(config, providers, reports);
      case KUBO -> new KuboResourceStore(config);
    };
  }
}
