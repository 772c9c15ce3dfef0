package org.jgolem.concent.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jgolem.concent.http.ConcentServer.Reply;
import org.jgolem.concent.record.CasePage;
import org.jgolem.concent.record.CaseQuery;
import org.jgolem.concent.record.CaseRecords;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.record.Entry;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.codec.MessageCodec;

/**
 * The auditors' read API (docs/CONCENT-API.md, "The record"): {@code GET /api/v1/cases} (paged,
 * filtered), {@code GET /api/v1/cases/<id>} and {@code GET /api/v1/cases/<id>/bundle}. Open to
 * anyone, without {@code Concent-Auth}: an auditor needs no key, and a bundle proves itself by its
 * signatures, not by who fetched it.
 */
final class AuditRoutes {
  static final String BUNDLE_TYPE = "application/cbor";
  static final Set<String> PARAMS = Set.of("node", "task", "state", "verdict", "cursor", "limit");

  private final CaseRecords records;
  private final MessageCodec codec;

  AuditRoutes(CaseRecords records, MessageCodec codec) {
    this.records = records;
    this.codec = codec;
  }

  /** {@code rest} is what follows {@code /api/v1/cases}: null, {@code ID} or {@code ID/bundle}. */
  Reply dispatch(Call c, String rest) throws Refusal {
    if (rest == null) {
      return list(c.query());
    }
    String[] parts = rest.split("/", -1);
    long id = id(parts[0]);
    if (parts.length == 1) {
      CaseSummary s = records.find(id).orElseThrow(() -> notFound(id));
      Map<String, Object> json = summary(s);
      List<Object> entries = new ArrayList<>();
      for (Entry e : records.entries(id)) {
        entries.add(entry(e));
      }
      json.put("entries", entries);
      return Reply.json(200, json);
    }
    if (parts.length == 2 && parts[1].equals("bundle")) {
      byte[] bundle = records.bundle(id).orElseThrow(() -> notFound(id));
      return new Reply.Bytes(200, BUNDLE_TYPE, bundle);
    }
    throw new Refusal(
        404, "request.not_found", "no route /api/v1/cases/" + rest + " (ID, or ID/bundle)");
  }

  private static Refusal notFound(long id) {
    return new Refusal(404, "cases.not_found", "the record has no case " + id);
  }

  private static long id(String text) throws Refusal {
    try {
      long id = Long.parseLong(text);
      if (id >= 1) {
        return id;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw Refusal.badRequest(
        "cases.bad_id", "'" + text + "' is not a case id (a positive integer)");
  }

  // ------------------------------------------------------------------ the list

  private Reply list(String rawQuery) throws Refusal {
    CaseQuery q = query(rawQuery);
    CasePage page = records.cases(q);
    List<Object> cases = new ArrayList<>();
    for (CaseSummary s : page.cases()) {
      cases.add(summary(s));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("cases", cases);
    json.put("limit", q.limit());
    json.put("next", page.next().isPresent() ? Long.toString(page.next().getAsLong()) : null);
    return Reply.json(200, json);
  }

  /** The query of {@code GET /api/v1/cases}; a clear 400 for anything it does not take. */
  static CaseQuery query(String rawQuery) throws Refusal {
    Map<String, String> p = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      Set<String> seen = new HashSet<>();
      for (String param : rawQuery.split("&")) {
        if (param.isEmpty()) {
          continue;
        }
        int eq = param.indexOf('=');
        String name = eq < 0 ? param : param.substring(0, eq);
        String value =
            eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
        if (!PARAMS.contains(name)) {
          throw Refusal.badRequest(
              "cases.bad_query",
              "unknown query parameter '" + name + "' (node, task, state, verdict, cursor, limit)");
        }
        if (!seen.add(name)) {
          throw Refusal.badRequest("cases.bad_query", "query parameter '" + name + "' is repeated");
        }
        p.put(name, value);
      }
    }
    Optional<Address> node = Optional.empty();
    if (p.containsKey("node")) {
      try {
        node = Optional.of(Address.of(p.get("node")));
      } catch (RuntimeException e) {
        throw Refusal.badRequest(
            "cases.bad_address", "node '" + p.get("node") + "' is not an address (0x and 40 hex)");
      }
    }
    Optional<byte[]> task = Optional.empty();
    if (p.containsKey("task")) {
      String t = p.get("task");
      byte[] b = null;
      try {
        b = HexFormat.of().parseHex(t.startsWith("0x") ? t.substring(2) : t);
      } catch (IllegalArgumentException e) {
        // below
      }
      if (b == null || b.length != 32) {
        throw Refusal.badRequest(
            "cases.bad_task", "task '" + t + "' is not a task id (32 bytes of hex)");
      }
      task = Optional.of(b);
    }
    Optional<String> state = Optional.ofNullable(p.get("state"));
    if (state.isPresent() && !CaseRecords.STATES.contains(state.get())) {
      throw Refusal.badRequest(
          "cases.bad_state",
          "state '" + state.get() + "' is none of Golem's states " + CaseRecords.STATES);
    }
    Optional<String> verdict = Optional.ofNullable(p.get("verdict"));
    if (verdict.isPresent() && !CaseRecords.VERDICTS.contains(verdict.get())) {
      throw Refusal.badRequest(
          "cases.bad_verdict",
          "verdict '" + verdict.get() + "' is none of " + CaseRecords.VERDICTS);
    }
    long cursor = 0;
    if (p.containsKey("cursor")) {
      try {
        cursor = Long.parseLong(p.get("cursor"));
      } catch (NumberFormatException e) {
        cursor = -1;
      }
      if (cursor < 0) {
        throw Refusal.badRequest(
            "cases.bad_cursor",
            "cursor '" + p.get("cursor") + "' is not a cursor (the 'next' of a page)");
      }
    }
    int limit = CaseQuery.DEFAULT_LIMIT;
    if (p.containsKey("limit")) {
      try {
        limit = Integer.parseInt(p.get("limit"));
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > CaseQuery.MAX_LIMIT) {
        throw Refusal.badRequest(
            "cases.bad_limit",
            "limit '" + p.get("limit") + "' must be an integer from 1 to " + CaseQuery.MAX_LIMIT);
      }
    }
    return new CaseQuery(node, task, state, verdict, cursor, limit);
  }

  // ------------------------------------------------------------------ JSON

  static Map<String, Object> summary(CaseSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("kind", s.kind().name());
    m.put("requestor", s.requestor().toString());
    m.put("provider", s.provider().toString());
    m.put("taskId", s.taskIdHex());
    m.put("subtaskId", s.subtaskIdHex());
    m.put("state", s.state());
    m.put("verdict", s.verdict());
    m.put("settlementTx", s.settlementTx());
    m.put("openedAt", s.openedAt());
    m.put("updatedAt", s.updatedAt());
    m.put("bundle", Routes.PREFIX + "cases/" + s.id() + "/bundle");
    return m;
  }

  /** An entry as JSON: bytes as 0x hex, amounts as decimal text, a frame with what it is. */
  private Map<String, Object> entry(Entry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", e.kind());
    m.put("at", e.at());
    e.fields().forEach((k, v) -> m.put(k, json(v)));
    if (e.fields().get("frame") instanceof byte[] frame) {
      Map<String, Object> message = new LinkedHashMap<>();
      try {
        Envelope env = codec.decode(frame);
        message.put("type", env.type().name());
        message.put("sender", env.sender().toString());
        message.put("timestamp", env.timestamp());
      } catch (RuntimeException x) {
        message.put("undecodable", String.valueOf(x.getMessage()));
      }
      m.put("message", message);
    }
    return m;
  }

  private static Object json(Object v) {
    return switch (v) {
      case byte[] b -> "0x" + HexFormat.of().formatHex(b);
      case List<?> l -> l.stream().map(AuditRoutes::json).toList();
      case Map<?, ?> map -> {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, x) -> out.put(String.valueOf(k), json(x)));
        yield out;
      }
      case null -> null;
      default -> v;
    };
  }
}
