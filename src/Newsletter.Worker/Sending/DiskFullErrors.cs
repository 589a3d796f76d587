using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Newsletter.Core;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Recognises a full disk behind the errors of each place we write: the pickup transport (already a
/// <see cref="DiskFullException"/>), our SQLite store (SQLITE_FULL from Microsoft.Data.Sqlite) and Hangfire's SQLite store
/// (SQLITE_FULL from sqlite-net), and names the file or folder that could not be written.
/// </summary>
public sealed class DiskFullErrors(IOptions<StoreOptions> store, IOptions<JobsOptions> jobs)
{
    /// <summary>SQLite's result code for "database or disk is full".</summary>
    private const int SqliteFull = 13;

    /// <returns>The full disk, described, or null when <paramref name="exception"/> (with its inner exceptions) is about something else.</returns>
    public DiskFullException? Recognise(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DiskFullException full:
                    return full;
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return new DiskFullException("the database", Path.GetFullPath(store.Value.Path), e);
                case SQLite.SQLiteException { Result: SQLite.SQLite3.Result.Full }:
                    return new DiskFullException("the job database", Path.GetFullPath(jobs.Value.StoragePath), e);
                case IOException io when DiskFullException.IsDiskFull(io):
                    return new DiskFullException("a file in", Path.GetFullPath("."), e);
            }
        }
        return null;
    }
}
