using Microsoft.Data.Sqlite;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>A real SQLite file in a fresh <see cref="TempFolder"/>, deleted on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly TempFolder _folder = new();

    public TempDatabase()
    {
        Folder = _folder.Path;
        // A subfolder that does not exist yet: the database must create it.
        FilePath = Path.Combine(Folder, "data", "newsletter.db");
        Database = new SqliteDatabase(FilePath);
    }

    public string Folder { get; }

    public string FilePath { get; }

    public SqliteDatabase Database { get; }

    public void Dispose()
    {
        // Pooled connections keep the file open; let them go before deleting it.
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
