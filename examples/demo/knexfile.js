// Demo project for Migration Guard: an embedded SQLite database and a short, realistic history.
module.exports = {
  development: {
    client: 'sqlite3',
    connection: { filename: './dev.sqlite3' },
    useNullAsDefault: true,
    migrations: { directory: './migrations' },
    pool: {
      // Foreign keys on, as most applications run SQLite.
      afterCreate: (conn, done) => conn.run('PRAGMA foreign_keys = ON', done),
    },
  },
};
