package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB's SQLite backend uses
)

// FerretDB's SQLite backend looks a document up by _id with
// `_ferretdb_sjson->'$._id' = ?` but indexes _id on the expression
// `_ferretdb_sjson->"_id"`; SQLite matches index expressions as written, so
// every lookup by _id read its whole table. indexIDs gives every collection
// table in the folder's database files an index on the expression the
// lookups use. FerretDB creates tables as collections are first written, so
// the server runs it at start and then every idScanEvery until it stops.
const idScanEvery = 2 * time.Second

func indexIDs(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := indexFile(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func indexFile(ctx context.Context, file string) error {
	// FerretDB's connections wait up to 10 s for a lock, as this one does.
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer func() { _ = db.Close() }()
	tables, err := unindexedTables(ctx, db)
	if err != nil {
		return fmt.Errorf("list tables of %s: %w", file, err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, quoteIdent(t+"_crm_id"), quoteIdent(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id of %s in %s: %w", t, file, err)
		}
	}
	return nil
}

// unindexedTables lists FerretDB's document tables that lack the _id index;
// its rows are closed before the caller writes.
func unindexedTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE '\_ferretdb%' ESCAPE '\'
		AND sql LIKE '%_ferretdb_sjson%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = m.name AND i.name = m.name || '_crm_id')`)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
