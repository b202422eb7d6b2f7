package shoal.tracker.registry;

import static shoal.tracker.registry.RegistryQueries.ADD_TO_TOTALS;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;

/**
 * The running totals of ended transfers ({@code transfer_totals}, migration 5), which outlive the
 * pruned rows they were added from. Ids are random UUIDs, so choosing the stripe by id spreads
 * concurrent ends over all of them.
 */
final class TransferTotals {

  /** Rows of {@code transfer_totals}; the migration's CHECK allows exactly these. */
  static final int STRIPES = 16;

  private TransferTotals() {}

  /**
   * Adds {@code completed} completed transfers and {@code bytes} bytes no longer active to the
   * stripe of {@code key}; nothing when both are zero. The last statement of the transaction.
   */
  static Future<Void> add(SqlConnection tx, UUID key, long completed, long bytes) {
    return add(tx, key, completed, BigInteger.valueOf(bytes));
  }

  static Future<Void> add(SqlConnection tx, UUID key, long completed, BigInteger bytes) {
    if (completed == 0 && bytes.signum() == 0) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(ADD_TO_TOTALS)
        .execute(Tuple.of((short) Math.floorMod(key.hashCode(), STRIPES), completed, Numeric.create(new BigDecimal(bytes))))
        .compose(rows -> rows.rowCount() == 1
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("transfer_totals has no stripe for " + key)));
  }
}
