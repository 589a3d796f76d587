using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Newsletter.Core;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Recognises a full disk behind the errors of each place we write: the pickup transport (already a
/// <see cref="DiskFullException"/>), our SQLite store (SQLITE_FULL from Microsoft.Data.Sqlite) and Hangfire's SQLite store
/// (SQLITE_FULL from sqlite-net), and names the file or folder that could not be written.
/// </summary>
public sealed class DiskFullErrors(IOptions<StoreOptions> store, IOptions<JobsOptions> jobs) : IDiskFullErrors
{
    /// <summary>SQLite's result codes for "database or disk is full" and for an I/O error.</summary>
    private const int SqliteFull = 13, SqliteIoError = 10;

    /// <summary>Below this much free space an I/O error from SQLite is taken for a full disk (its shared-memory file needs 32 KB).</summary>
    private const long NearlyFullBytes = 1 << 20;

    public DiskFullException? Recognise(Exception exception)
    {
        var database = Path.GetFullPath(store.Value.Path);
        var jobDatabase = Path.GetFullPath(jobs.Value.StoragePath);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DiskFullException full:
                    return full;
                // SQLITE_FULL when a write finds no room; SQLITE_IOERR when there is not even room to open the file's
                // shared-memory index, as on a disk that was full before the process started.
                case SqliteException { SqliteErrorCode: var code } when code == SqliteFull || (code == SqliteIoError && IsNearlyFull(database)):
                    return new DiskFullException("the database", database, e);
                case SQLite.SQLiteException { Result: var result }
                    when result == SQLite.SQLite3.Result.Full || (result == SQLite.SQLite3.Result.IOError && IsNearlyFull(jobDatabase)):
                    return new DiskFullException("the job database", jobDatabase, e);
                case IOException io when DiskFullException.IsDiskFull(io):
                    return new DiskFullException("a file in", Path.GetFullPath("."), e);
            }
        }
        return null;
    }

    private static bool IsNearlyFull(string file)
    {
        try
        {
            // On Linux and macOS DriveInfo asks statvfs about the path itself, so any folder on the file system will do.
            return new DriveInfo(Path.GetDirectoryName(file)!).AvailableFreeSpace < NearlyFullBytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
