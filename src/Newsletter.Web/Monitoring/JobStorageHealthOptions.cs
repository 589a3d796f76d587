namespace Newsletter.Web.Monitoring;

/// <summary>
/// Where Hangfire keeps its jobs, for the <c>jobs</c> check of <c>/healthz</c>. The host that chose the storage says so (the web
/// side does not know whether jobs live in a SQLite file or in the PostgreSQL store).
/// </summary>
public sealed class JobStorageHealthOptions
{
    /// <summary>
    /// The SQLite file of Hangfire's storage, which the check makes sure is still there: Hangfire keeps its connections open,
    /// and an open connection goes on answering from a deleted file. Null when the jobs are in a database server.
    /// </summary>
    public string? StorageFile { get; set; }

    /// <summary>
    /// The identity of <see cref="StorageFile"/> when the storage opened it: a file at that path with another identity is not
    /// the one holding the jobs (deleted, then recreated empty by Hangfire's next connection).
    /// </summary>
    public FileIdentity? StorageFileIdentity { get; set; }

    /// <summary>The storage as the check's description names it: the file, or the database.</summary>
    public string Description { get; set; } = "Hangfire's storage";
}
