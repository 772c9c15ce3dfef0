package org.jgolem.ipfs.unixfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.testutil.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden dag-pb encodings and CIDs. The file content for size n is {@code new
 * java.util.Random(n).nextBytes(n)}; the expected CIDs were computed by js-ipfs 0.66.1 ({@code
 * add?cid-version=1&raw-leaves=true&chunker=size-262144}, printed in base58, converted here) and by
 * Debian's {@code ipfs_cid} (dag-pb leaves, as plain {@code ipfs add}).
 */
class UnixFsTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void goldenDagPbEncodings() {
    // the empty UnixFS file: Data{Type: File, filesize: 0}
    byte[] empty = new PbNode(List.of(), UnixFsData.file(null, 0, List.of()).encode()).encode();
    assertThat(HEX.formatHex(empty)).isEqualTo("0a0408021800");
    assertThat(Cid.v0(Multihash.sha256(empty)).toString())
        .isEqualTo("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    // "hello world\n" as one dag-pb leaf: the best-known CID of IPFS
    byte[] hw = "hello world\n".getBytes(StandardCharsets.UTF_8);
    byte[] leaf =
        new PbNode(List.of(), UnixFsData.file(hw, hw.length, List.of()).encode()).encode();
    assertThat(HEX.formatHex(leaf)).isEqualTo("0a120802120c68656c6c6f20776f726c640a180c");
    assertThat(Cid.v0(Multihash.sha256(leaf)).toString())
        .isEqualTo("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    // the empty folder: Data{Type: Directory}
    byte[] dir = new PbNode(List.of(), UnixFsData.directory().encode()).encode();
    assertThat(HEX.formatHex(dir)).isEqualTo("0a020801");
    assertThat(Cid.v0(Multihash.sha256(dir)).toString())
        .isEqualTo("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
    assertThat(Cid.dagPb(dir).toString())
        .isEqualTo("bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354");
    // a file node with two raw leaves: links first (Hash, Name "", Tsize), then Data{File,
    // filesize, blocksizes}
    Cid a = Cid.raw(new byte[] {1}), b = Cid.raw(new byte[] {2, 3});
    byte[] node =
        new PbNode(
                List.of(new PbLink(a, "", 1L), new PbLink(b, "", 2L)),
                UnixFsData.file(null, 3, List.of(1L, 2L)).encode())
            .encode();
    String la = HEX.formatHex(a.bytes()), lb = HEX.formatHex(b.bytes());
    assertThat(HEX.formatHex(node))
        .isEqualTo(
            "122a0a24" + la + "12001801" + "122a0a24" + lb + "12001802" + "0a080802180320012002");
    assertThat(PbNode.decode(node))
        .isEqualTo(
            new PbNode(
                List.of(new PbLink(a, "", 1L), new PbLink(b, "", 2L)),
                UnixFsData.file(null, 3, List.of(1L, 2L)).encode()));
    assertThat(UnixFsData.decode(PbNode.decode(node).data()).blockSizes()).containsExactly(1L, 2L);
  }

  @Test
  void strictDecoderRefusesNonCanonicalDagPb() {
    assertThatThrownBy(() -> PbNode.decode(HEX.parseHex("0a0208011200")))
        .hasMessageContaining("link after the data");
    assertThatThrownBy(() -> PbNode.decode(HEX.parseHex("1a00")))
        .hasMessageContaining("unknown field 3");
    assertThatThrownBy(() -> PbNode.decode(HEX.parseHex("0a05ff")))
        .hasMessageContaining("runs past the end");
    assertThatThrownBy(() -> PbNode.decode(HEX.parseHex("12021801")))
        .hasMessageContaining("link without a Hash");
    assertThatThrownBy(() -> UnixFsData.decode(HEX.parseHex("0809")))
        .hasMessageContaining("unknown UnixFS type 9");
    // packed blocksizes are read too
    assertThat(UnixFsData.decode(HEX.parseHex("08021803220201 02".replace(" ", ""))).blockSizes())
        .containsExactly(1L, 2L);
  }

  @ParameterizedTest(name = "{0} bytes")
  @CsvSource({
    "0,zb2rhmy65F3REf8SZp7De11gxtECBGgUKaLdiDj7MCGCHxbDW,QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
    "1,zb2rhWvnWdmRPtF7LbHAeqi7eku3sfcrduggQFkFuyiH3fbBn,QmeMPWbCGPZascKZPXWAhxpq7kGfrcM4UnBFeeqbwGU24h",
    "262143,zb2rhaRx4LuzwsigqVTcpsbNJ1DhffrUWWBiQBypqeXUDLj9L,QmZEHy1NUbULsMoDLGj9r13b6nc4HcYRu8jy2EdBGNUtV2",
    "262144,zb2rhhxXQxLUBYPEV29XMzMeh27H5xj7kGbnupjEc2ySTSauD,QmcDTdr1YAQYm2iJLPaQMT3uxrsQzk5MoM5effJ89po3ff",
    "262145,zdj7WW7xWfTkyZdoZzpUryNj2BhkHnN8X7nWH5eRiGLP6hMM6,QmeUwJszfBXZetPRJaybKWoAUi2kJgcbGDdWdNBZ2J5Veu",
    "1000000,zdj7WaLtiTpCa6NEugLPhEunAxZ1U8HUohs1KXVvryX4qgYgt,QmU1sEDogYstSWmZsazg3bqMhVtTJtJPFnuFeK328vWyR9",
    // 174 chunks: one full node; 174 chunks + 1 byte: a second level (the balanced layout's corner)
    "45613056,zdj7Wds7ZcwCLzF41M69ZCKWEeMH2Jz4MWPYqMV7sZebzPuqh,QmXMqebp42PV95ZBp3kBYzN3mAGmjYAnwtxT8yR68oYDD1",
    "45613057,zdj7Wimkr79jCaF6dnnR9k8VSDgBGuoJ32RtdvfBpmywCfSDd,QmacMdngNhjaPtcNrF7ziXe2xKt5RXY9EzuJaCMtu4ys5F"
  })
  void fileCidsMatchIpfsAdd(int size, String rawLeavesV1, String pbLeavesV0) throws IOException {
    byte[] content = TestFiles.bytes(size, size);
    Cid raw =
        DagBuilder.rawLeaves(BlockSink.hashOnly()).addFile(new ByteArrayInputStream(content)).cid();
    assertThat(raw).isEqualTo(Cid.parse(rawLeavesV1));
    assertThat(raw.toString()).startsWith(size <= DagBuilder.CHUNK_SIZE ? "bafk" : "bafy");
    Cid v0 =
        DagBuilder.pbLeaves(BlockSink.hashOnly(), 0)
            .addFile(new ByteArrayInputStream(content))
            .cid();
    assertThat(v0.toString()).isEqualTo(pbLeavesV0);
    Cid v1 =
        DagBuilder.pbLeaves(BlockSink.hashOnly(), 1)
            .addFile(new ByteArrayInputStream(content))
            .cid();
    // one leaf: the same block either way; more: CIDv1 links inside the nodes make a different root
    if (size <= DagBuilder.CHUNK_SIZE) assertThat(v1).isEqualTo(v0.toV1());
    else assertThat(v1).isNotEqualTo(v0.toV1());
  }

  @Test
  void folderCidMatchesJsIpfs(@TempDir Path tmp) throws IOException {
    Path d = tmp.resolve("d");
    TestFiles.write(d.resolve("hello.txt"), "hello world".getBytes(StandardCharsets.UTF_8));
    TestFiles.write(d.resolve("e/empty"), new byte[0]);
    TestFiles.write(d.resolve("big"), TestFiles.bytes(262145, 262145));
    DagBuilder.Entry e = DagBuilder.rawLeaves(BlockSink.hashOnly()).add(d);
    assertThat(e.cid()).isEqualTo(Cid.parse("zdj7WjkPFLCCs8Msdn3ZLhd5XDx1NbQy1Lh4mirvYhLceT7bh"));
    assertThat(e.tsize()).isEqualTo(262464); // the "Size" js-ipfs printed for the folder
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertThat(DagBuilder.rawLeaves(BlockSink.hashOnly()).add(empty).cid())
        .isEqualTo(Cid.parse("zdj7WbTaiJT1fgatdet9Ei9iDB5hdCxkbVyhyh8YTUnXMiwYi"))
        .isEqualTo(Cid.parse("bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"));
  }

  /**
   * Cross-check with Debian's ipfs_cid when it is installed (apt-get install ipfs-cid); golden
   * values cover the rest.
   */
  @Test
  void crossCheckWithDebianIpfsCidWhenPresent(@TempDir Path tmp) throws Exception {
    Path tool = Path.of("/usr/bin/ipfs_cid");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(tool), "ipfs_cid is not installed (apt-get install ipfs-cid)");
    long seed = System.nanoTime();
    java.util.Random r = new java.util.Random(seed);
    for (int i = 0; i < 6; i++) {
      int size =
          switch (i) {
            case 0 -> r.nextInt(100);
            case 1 -> DagBuilder.CHUNK_SIZE * (1 + r.nextInt(4)) + r.nextInt(3) - 1;
            default -> r.nextInt(3 * DagBuilder.CHUNK_SIZE);
          };
      byte[] content = new byte[size];
      r.nextBytes(content);
      Path f = Files.write(tmp.resolve("f" + i), content);
      Process p =
          new ProcessBuilder(tool.toString(), f.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Cid ours = DagBuilder.pbLeaves(BlockSink.hashOnly(), 0).addFile(f).cid();
      assertThat(out).as("seed %d size %d", seed, size).contains("\"CIDv0\":\"" + ours + "\"");
    }
  }

  @Test
  void readerReturnsTheBytesAndChecksDeclaredSizes() throws IOException {
    Map<Cid, byte[]> blocks = new HashMap<>();
    BlockSink sink =
        (version, codec, block, length) -> {
          byte[] copy = java.util.Arrays.copyOf(block, length);
          Cid cid = BlockSink.hashOnly().put(version, codec, copy, length);
          blocks.put(cid, copy);
          return cid;
        };
    long seed = System.nanoTime();
    java.util.Random r = new java.util.Random(seed);
    for (int size : new int[] {0, 1, 262143, 262144, 262145, 3 * 262144 + 17}) {
      byte[] content = new byte[size];
      r.nextBytes(content);
      Cid cid = DagBuilder.rawLeaves(sink).addFile(new ByteArrayInputStream(content)).cid();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long n = new DagReader(c -> blocks.get(c), false).writeFile(cid, Channels.newChannel(out));
      assertThat(n).isEqualTo(size);
      assertThat(out.toByteArray()).as("seed %d size %d", seed, size).isEqualTo(content);
    }
    // a file node that lies about its blocksizes is refused
    Cid leaf = sink.put(1, Cid.RAW, new byte[] {1, 2, 3}, 3);
    byte[] liar =
        new PbNode(
                List.of(new PbLink(leaf, "", 3L)), UnixFsData.file(null, 4, List.of(4L)).encode())
            .encode();
    Cid liarCid = sink.put(1, Cid.DAG_PB, liar, liar.length);
    assertThatThrownBy(() ->
            new DagReader(c -> blocks.get(c), false)
                .writeFile(liarCid, Channels.newChannel(new ByteArrayOutputStream())))
        .hasMessageContaining("holds 3 bytes of file content but its parent declares 4");
  }
}
