package org.jgolem.ipfs.exchange;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.unixfs.EntryNames;

/**
 * A parsed Trustless Gateway request: {@code
 * /ipfs/{cid}[/{path}]?format=raw|car[&dag-scope=block|entity|all] [&entity-bytes=from:to]}, or the
 * same response type asked for with {@code Accept: application/vnd.ipld.raw} or {@code
 * application/vnd.ipld.car}. {@link #parse} throws {@link BadRequest} with the HTTP status and a
 * message.
 */
public record GatewayRequest(
    Cid cid, List<String> path, Format format, Scope scope, long from, Long to) {
  public static final String RAW_TYPE = "application/vnd.ipld.raw";
  public static final String CAR_TYPE = "application/vnd.ipld.car";

  public enum Format {
    RAW,
    CAR
  }

  public enum Scope {
    BLOCK,
    ENTITY,
    ALL
  }

  /** A request that cannot be served: status and message. */
  public static final class BadRequest extends Exception {
    private final int status;

    public BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * rawPath: the request path without the query; query: parameters; accept: the Accept header or
   * null.
   */
  public static GatewayRequest parse(String rawPath, Map<String, List<String>> query, String accept)
      throws BadRequest {
    if (!rawPath.startsWith("/ipfs/"))
      throw new BadRequest(404, "not found: only /ipfs/{cid} paths are served");
    String[] parts = rawPath.substring("/ipfs/".length()).split("/", -1);
    Cid cid;
    try {
      cid = Cid.parse(decode(parts[0]));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(400, e.getMessage());
    }
    List<String> path = new ArrayList<>();
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isEmpty() && i == parts.length - 1) break; // a trailing slash
      String name = decode(parts[i]);
      String problem = EntryNames.problem(name);
      if (problem != null) throw new BadRequest(400, "bad path segment '" + name + "': " + problem);
      path.add(name);
    }
    Format format = null;
    String f = first(query, "format");
    if (f != null) {
      format =
          switch (f.toLowerCase(Locale.ROOT)) {
            case "raw" -> Format.RAW;
            case "car" -> Format.CAR;
            default ->
                throw new BadRequest(
                    400,
                    "unsupported format '"
                        + f
                        + "': this trustless gateway serves format=raw or format=car");
          };
    } else if (accept != null) {
      String a = accept.toLowerCase(Locale.ROOT);
      if (a.contains(RAW_TYPE)) format = Format.RAW;
      else if (a.contains(CAR_TYPE)) format = Format.CAR;
    }
    if (format == null)
      throw new BadRequest(
          406,
          "this trustless gateway serves only verifiable responses: add ?format=raw or ?format=car, or send Accept: "
              + RAW_TYPE
              + " or "
              + CAR_TYPE);
    Scope scope = Scope.ALL;
    String s = first(query, "dag-scope");
    if (s != null) {
      scope =
          switch (s.toLowerCase(Locale.ROOT)) {
            case "block" -> Scope.BLOCK;
            case "entity" -> Scope.ENTITY;
            case "all" -> Scope.ALL;
            default ->
                throw new BadRequest(
                    400, "unsupported dag-scope '" + s + "' (block, entity or all)");
          };
    }
    long from = 0;
    Long to = null;
    String range = first(query, "entity-bytes");
    if (range != null) {
      if (format != Format.CAR || scope != Scope.ENTITY)
        throw new BadRequest(400, "entity-bytes needs format=car and dag-scope=entity");
      String[] ft = range.split(":", -1);
      try {
        if (ft.length != 2) throw new NumberFormatException();
        from = Long.parseLong(ft[0]);
        to = ft[1].equals("*") ? null : Long.parseLong(ft[1]);
      } catch (NumberFormatException e) {
        throw new BadRequest(
            400, "bad entity-bytes '" + range + "': expected from:to with integers (to may be *)");
      }
    }
    return new GatewayRequest(cid, List.copyOf(path), format, scope, from, to);
  }

  private static String first(Map<String, List<String>> q, String key) {
    List<String> v = q.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String decode(String s) throws BadRequest {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(400, "bad percent-encoding in path: " + s);
    }
  }

  /** The request's path and query as the client sends it. */
  public static String uri(Cid cid, Format format, Scope scope, Long from, Long to) {
    StringBuilder sb =
        new StringBuilder("/ipfs/")
            .append(cid)
            .append("?format=")
            .append(format.name().toLowerCase(Locale.ROOT));
    if (format == Format.CAR)
      sb.append("&dag-scope=").append(scope.name().toLowerCase(Locale.ROOT));
    if (from != null)
      sb.append("&entity-bytes=").append(from).append(':').append(to == null ? "*" : to.toString());
    return sb.toString();
  }
}
