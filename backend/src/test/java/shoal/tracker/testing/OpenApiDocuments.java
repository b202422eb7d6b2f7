package shoal.tracker.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shoal's OpenAPI documents as the tests read them: from the classpath, validated against the
 * official OpenAPI 3.1 schemas, and loaded as Vert.x OpenAPI contracts.
 */
public final class OpenApiDocuments {

  /** The tracker's document, in the tracker's jar. */
  public static final String TRACKER = "openapi/tracker.json";
  /** The peer's control-port document, in the peer's jar. */
  public static final String PEER_CONTROL = "openapi/peer-control.json";

  /** The official schema of OpenAPI 3.1 documents, and of their Schema Objects; Vert.x's OpenAPI module carries both. */
  private static final String OPENAPI_31 = "https://spec.openapis.org/oas/3.1/schema-base/2022-10-07";
  private static final String SCHEMA_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base";

  private OpenApiDocuments() {}

  /**
   * The document as Vert.x's OpenAPI contract, once it is found valid: a document with any
   * {@link #problems} fails the test that uses it.
   */
  static OpenAPIContract contract(String resource) {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject document = read(resource);
      List<String> problems = problems(vertx, document);
      if (!problems.isEmpty()) {
        throw new AssertionError(resource + " is not a valid OpenAPI 3.1 document: " + problems);
      }
      return OpenAPIContract.from(vertx, document).await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the OpenAPI document " + resource + " did not load within 30 s", e);
    } finally {
      vertx.close();
    }
  }

  /**
   * What the official OpenAPI 3.1 schemas find wrong with {@code document}, empty when nothing: the
   * document's structure, and each of its Schema Objects against OpenAPI 3.1's dialect of JSON Schema
   * 2020-12. The schemas are checked one by one because the document's schema ("schema-base"
   * included) reaches them through a {@code $dynamicRef} that Vert.x's validator does not follow,
   * so it would take any object for a schema.
   */
  public static List<String> problems(Vertx vertx, JsonObject document) throws java.util.concurrent.TimeoutException {
    SchemaRepository repository = OpenAPIVersion.V3_1.getRepository(vertx, "app://").await(30, TimeUnit.SECONDS);
    List<String> problems = new ArrayList<>(errors("#", repository.validator(OPENAPI_31).validate(document)));
    Map<String, Object> schemas = new LinkedHashMap<>();
    JsonObject components = document.getJsonObject("components", new JsonObject());
    components.getJsonObject("schemas", new JsonObject())
        .forEach(schema -> schemas.put("#/components/schemas/" + schema.getKey(), schema.getValue()));
    JsonObject rest = document.copy();
    rest.getJsonObject("components", new JsonObject()).remove("schemas");
    collectSchemas("#", rest, schemas);
    schemas.forEach((where, schema) -> problems.addAll(errors(where, repository.validator(SCHEMA_DIALECT).validate(schema))));
    return problems;
  }

  /** Every value of a {@code schema} field (parameters, headers, media types) under {@code json}. */
  private static void collectSchemas(String where, Object json, Map<String, Object> schemas) {
    if (json instanceof JsonObject object) {
      object.forEach(field -> {
        String inner = where + "/" + field.getKey().replace("~", "~0").replace("/", "~1");
        if (field.getKey().equals("schema")) {
          schemas.put(inner, field.getValue());
        } else {
          collectSchemas(inner, field.getValue(), schemas);
        }
      });
    } else if (json instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        collectSchemas(where + "/" + i, array.getValue(i), schemas);
      }
    }
  }

  private static List<String> errors(String where, OutputUnit result) {
    if (Boolean.TRUE.equals(result.getValid())) {
      return List.of();
    }
    return result.getErrors() == null ? List.of(where + ": " + result.getError()) : result.getErrors().stream()
        .map(error -> where + error.getInstanceLocation().substring(1) + ": " + error.getError()).toList();
  }

  /** The document's JSON, read from the classpath. */
  public static JsonObject read(String resource) {
    try (InputStream in = OpenApiDocuments.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new AssertionError("no " + resource + " on the classpath");
      }
      return new JsonObject(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
