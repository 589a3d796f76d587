namespace Newsletter.Storage;

/// <summary>Which database holds stories, issues, the delivery log, suppressions, bounces, heartbeats and rate limits.</summary>
public enum StoreProvider
{
    /// <summary>One SQLite file on this machine (<see cref="StoreOptions.Path"/>): nothing to install, one machine.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<see cref="StoreOptions.ConnectionString"/>) that several processes and machines share.</summary>
    PostgreSql,
}
