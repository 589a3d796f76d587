using Microsoft.Data.Sqlite;
using Newsletter.Storage;

namespace Newsletter.Tests.Storage;

/// <summary>A real SQLite file in a fresh temp folder, deleted on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "newsletter-tests-" + Guid.NewGuid().ToString("N"));
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
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
