using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Newsletter.Storage;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Cli;

/// <summary>
/// A database the executable cannot use (a read-only folder, a file locked by another process) is one line naming the file
/// and what to do, within seconds, with exit code 2.
/// </summary>
public sealed class StoreErrorTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestEnvironment _environment = new();
    private readonly List<string> _immutableFolders = [];

    public void Dispose()
    {
        foreach (var folder in _immutableFolders) Chattr("-i", folder);
        _environment.Dispose();
    }

    /// <summary>
    /// A folder even root cannot write to (the tests run as root, for whom permission bits mean nothing): the immutable
    /// attribute, which the data folder of a stricter deployment's read-only mount behaves like.
    /// </summary>
    private string ReadOnlyFolder(string name)
    {
        var folder = Path.Combine(_environment.Directory, name);
        Directory.CreateDirectory(folder);
        Chattr("+i", folder);
        _immutableFolders.Add(folder);
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText(Path.Combine(folder, "probe"), ""));
        return folder;
    }

    private static void Chattr(string change, string folder)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [change, folder]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chattr {change} {folder} failed ({error.Trim()}); these tests need root and a filesystem with the immutable attribute (ext4).");
    }

    private static void AssertOneLineWithoutStackTrace(CliProcess.Result result)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task AnyCommand_NamesTheDatabaseAndTheFix_WhenTheDataFolderIsReadOnly()
    {
        var database = Path.Combine(ReadOnlyFolder("data"), "newsletter.db");
        _environment.Settings["Newsletter:Store:Path"] = database;

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        AssertOneLineWithoutStackTrace(result);
        Assert.StartsWith($"error: {database} cannot be opened or created: its folder {Path.GetDirectoryName(database)} is not writable", result.Error);
        Assert.Contains("set Newsletter:Store:Path to a writable place", result.Error);
    }

    [Fact]
    public async Task Publish_NamesTheJobDatabaseAndTheFix_WhenItsFolderIsReadOnly()
    {
        var jobs = Path.Combine(ReadOnlyFolder("jobs"), "hangfire.db");
        _environment.Settings["Newsletter:Jobs:StoragePath"] = jobs;

        var result = await CliProcess.RunAsync(_environment, null, "publish", "--date", "2026-04-06");

        AssertOneLineWithoutStackTrace(result);
        Assert.StartsWith($"error: The job database {jobs} cannot be opened or created", result.Error);
        Assert.Contains("Newsletter:Jobs:StoragePath", result.Error);
    }

    [Fact]
    public async Task StoriesImport_NamesTheDatabaseWithinSeconds_WhenAnotherProcessHoldsItLocked()
    {
        var path = _environment.Settings["Newsletter:Store:Path"]!;
        await new SqliteDatabase(path).InitializeAsync(CancellationToken.None);
        await using var holder = new SqliteConnection($"Data Source={path};Pooling=False");
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using (var write = holder.CreateCommand())
        {
            write.CommandText = "PRAGMA user_version = user_version;";
            write.Transaction = (SqliteTransaction)transaction;
            await write.ExecuteNonQueryAsync(); // takes and keeps the write lock until the test ends
        }

        var clock = Stopwatch.StartNew();
        var result = await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"));
        clock.Stop();

        output.WriteLine($"stories import against a locked database gave up after {clock.Elapsed.TotalSeconds:F1} s");
        AssertOneLineWithoutStackTrace(result);
        Assert.StartsWith($"error: {path} is locked by another process", result.Error);
        Assert.Contains("then run this again", result.Error);
        // A hang guard, not a speed test: it used to wait about 30 s per statement, 60-90 s in all, and then print a stack trace.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"took {clock.Elapsed}");
    }
}
