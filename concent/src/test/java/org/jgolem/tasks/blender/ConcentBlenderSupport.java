package org.jgolem.tasks.blender;

import java.nio.file.Path;
import org.jgolem.compute.docker.DockerEnvironment;

/**
 * compute's {@link BlenderTestSupport} (package-private there) for Concent's tests: the
 * jgolem/blender image, or a skip naming what is missing, and the test scene.
 */
public final class ConcentBlenderSupport {
  private ConcentBlenderSupport() {}

  public static String requireBlenderImage() {
    return BlenderTestSupport.requireBlenderImage();
  }

  public static Path scene(DockerEnvironment env, String imageId) throws Exception {
    return BlenderTestSupport.scene(env, imageId);
  }
}
