using Newsletter.Tests.Support;
using Newsletter.Tests.Web;

namespace Newsletter.Tests.Storage;

/// <summary>After a real publish, nothing that holds subscriber data is readable by other users of the machine.</summary>
[Collection(HangfireCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFileModeTests
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Publish_LeavesDatabasesMessagesAndKeyOwnerOnly_WhenItCreatesThem()
    {
        using var environment = new TestEnvironment();
        var data = Path.Combine(environment.Directory, "data");
        environment.Settings["Newsletter:Store:Path"] = Path.Combine(data, "newsletter.db");
        environment.Settings["Newsletter:Jobs:StoragePath"] = Path.Combine(data, "hangfire.db");
        environment.Settings["Newsletter:Delivery:PickupDirectory"] = Path.Combine(data, "outbox");
        environment.Settings["Newsletter:Unsubscribe:SecretKey"] = "";
        environment.Settings["Newsletter:Unsubscribe:KeyFile"] = Path.Combine(data, "unsubscribe.key");
        environment.AddCsvList("readers", 3);
        await using var worker = await RunningWorker.StartAsync(environment);

        await worker.PublishAsync(RunningWorker.FirstWeek, "readers");

        // Checked while the worker still runs, so SQLite's -wal and -shm files are there too.
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(data, f)).ToList();
        Assert.Contains("newsletter.db-wal", files);
        Assert.Contains("hangfire.db", files);
        Assert.Contains("unsubscribe.key", files);
        Assert.Equal(3, files.Count(f => f.EndsWith(".eml", StringComparison.Ordinal)));
        Assert.All(files, f => Assert.Equal((f, (UnixFileMode)0), (f, File.GetUnixFileMode(Path.Combine(data, f)) & GroupOrOther)));
        var folders = Directory.GetDirectories(data, "*", SearchOption.AllDirectories).Append(data).ToList();
        Assert.All(folders, d => Assert.Equal((Path.GetRelativePath(environment.Directory, d), (UnixFileMode)0), (Path.GetRelativePath(environment.Directory, d), File.GetUnixFileMode(d) & GroupOrOther)));
    }
}
