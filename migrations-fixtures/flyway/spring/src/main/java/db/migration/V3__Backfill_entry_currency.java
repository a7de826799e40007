package db.migration;

import java.sql.PreparedStatement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Entries booked through the legacy importer carry their currency in the
 * account name ("ACC-123/USD"); move it into the currency column.
 */
public class V3__Backfill_entry_currency extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws Exception {
        try (PreparedStatement update = context.getConnection().prepareStatement(
                "UPDATE ledger_entries SET currency = split_part(account, '/', 2), account = split_part(account, '/', 1) WHERE account LIKE '%/___'")) {
            update.executeUpdate();
        }
    }
}
