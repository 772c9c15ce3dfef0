package org.jgolem.protocol.messages;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import org.jgolem.eth.Address;

/**
 * The payload codec: CBOR through Jackson, fields in each record's declared order
 * ({@code @JsonPropertyOrder}), minimal integer encoding, addresses as 20-byte strings. Decoding is
 * strict: unknown or missing fields, trailing bytes and nulls for primitives are refused.
 */
public final class Cbor {
  public static final CBORMapper MAPPER =
      CBORMapper.builder()
          .enable(CBORGenerator.Feature.WRITE_MINIMAL_INTS)
          .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .addModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule())
          .addModule(
              new SimpleModule("jgolem")
                  .addSerializer(Address.class, new AddressSerializer())
                  .addDeserializer(Address.class, new AddressDeserializer()))
          .build();

  private Cbor() {}

  static final class AddressSerializer extends StdSerializer<Address> {
    AddressSerializer() {
      super(Address.class);
    }

    @Override
    public void serialize(Address value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeBinary(value.toBytes());
    }
  }

  static final class AddressDeserializer extends StdDeserializer<Address> {
    AddressDeserializer() {
      super(Address.class);
    }

    @Override
    public Address deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      byte[] b = p.getBinaryValue();
      if (b == null || b.length != 20) {
        throw ctxt.weirdStringException(
            String.valueOf(b == null ? null : b.length), Address.class, "an address has 20 bytes");
      }
      return Address.of(b);
    }
  }
}
