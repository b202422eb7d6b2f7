package shoal.tracker.http;

import static shoal.tracker.http.RequestReader.*;

import io.vertx.ext.web.RoutingContext;
import shoal.common.http.ApiError;
import shoal.tracker.registry.FileCatalog;
import shoal.tracker.registry.FileDetails;
import shoal.tracker.registry.FileSummary;

/** {@code /api/v1/files}: search by name, look up by hash. */
final class FileApi {

  private final FileCatalog catalog;

  FileApi(FileCatalog catalog) {
    this.catalog = catalog;
  }

  void searchFiles(RoutingContext ctx) {
    String text = ctx.queryParams().get("q");
    if (text != null && text.length() > 200) {
      throw ApiError.invalidRequest("'q' must be at most 200 characters.");
    }
    Replies.jsonArray(ctx, catalog.search(text == null ? "" : text, limit(ctx, 100), offset(ctx)), FileSummary::toJson);
  }

  void lookupFile(RoutingContext ctx) {
    Replies.bytes(ctx, catalog.lookup(sha256Param(ctx)), FileDetails::toJsonBuffer);
  }
}
