// The system's SQLite (Debian: libsqlite3-dev), for PaymentsStore's SQLite backend.
#include <sqlite3.h>
