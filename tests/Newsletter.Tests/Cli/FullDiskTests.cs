using System.Text.Json;
using MimeKit;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary>
/// `publish` on a disk that fills up, for real: a small tmpfs under the pickup folder or the database. It stops with a
/// message naming what is full, exits 1, and loses nobody: once there is room, the same send carries on and everyone gets
/// the issue once.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private const int Subscribers = 200;
    private readonly TestEnvironment _environment = new();
    private readonly IReadOnlyList<string> _subscribers;

    public FullDiskTests() => _subscribers = _environment.AddCsvList("readers", Subscribers);

    public void Dispose() => _environment.Dispose();

    private Task<CliProcess.Result> RunAsync(params string[] args) => CliProcess.RunAsync(_environment, null, args);

    private async Task<JsonElement> StatusAsync()
    {
        var status = await RunAsync("status", "1", "--json");
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        return JsonDocument.Parse(status.Output).RootElement.Clone();
    }

    private static List<string> Recipients(string outbox) =>
        Directory.GetFiles(outbox, "*.eml", SearchOption.AllDirectories).Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address).ToList();

    [Fact]
    public async Task Publish_StopsNamingThePickupFolder_AndLosesNobody_WhenItsDiskIsFull()
    {
        using var disk = await TinyDisk.MountAsync("1M");
        var outbox = Path.Combine(disk.Path, "outbox");
        _environment.Settings["Newsletter:Delivery:PickupDirectory"] = outbox;

        using (var publishing = CliProcess.Start(_environment, null, "publish", "--date", "2026-04-06", "--list", "readers"))
        {
            var publish = await publishing.WaitAsync(TimeSpan.FromMinutes(2));

            Assert.True(publish.ExitCode == 1, publish.Output + publish.Error);
            Assert.Contains($"The disk holding the pickup folder {outbox} is full", publish.Error);
            Assert.Contains("--resume", publish.Error);
        }
        var written = Recipients(outbox);
        var stopped = await StatusAsync();
        Assert.InRange(written.Count, 1, Subscribers - 1);
        Assert.Equal(written.Count, stopped.GetProperty("sent").GetInt32());
        Assert.Equal(0, stopped.GetProperty("failed").GetInt32());
        Assert.Equal(Subscribers - written.Count, stopped.GetProperty("pending").GetInt32() + stopped.GetProperty("deferred").GetInt32());

        await disk.GrowAsync("64M");
        var resumed = await RunAsync("send", "1", "--list", "readers", "--resume", "--wait");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Equal(_subscribers.Order(), Recipients(outbox).Order());
        Assert.Equal(Subscribers, (await StatusAsync()).GetProperty("sent").GetInt32());
    }

    [Fact]
    public async Task Publish_StopsNamingTheDatabase_WhenItsDiskIsFullBeforeItStarts()
    {
        using var disk = await TinyDisk.MountAsync("2M");
        var database = Path.Combine(disk.Path, "newsletter.db");
        _environment.Settings["Newsletter:Store:Path"] = database;
        Assert.Equal(0, (await RunAsync("stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        disk.Fill();

        var publish = await RunAsync("publish", "--date", "2026-04-06", "--list", "readers");

        Assert.True(publish.ExitCode == 1, publish.Output + publish.Error);
        Assert.Contains($"The disk holding the database {database} is full", publish.Error);
        Assert.DoesNotContain("   at ", publish.Error);

        await disk.GrowAsync("64M");
        var again = await RunAsync("publish", "--date", "2026-04-06", "--list", "readers");

        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        Assert.Equal(_subscribers.Order(), Recipients(_environment.Settings["Newsletter:Delivery:PickupDirectory"]!).Order());
    }

    [Fact]
    public async Task Publish_StopsNamingTheDatabase_AndLosesNobody_WhenItsDiskFillsMidSend()
    {
        // 2 MB holds the database but not the write-ahead log of a 200-message send (it grows to about 4 MB between checkpoints).
        using var disk = await TinyDisk.MountAsync("2M");
        var database = Path.Combine(disk.Path, "newsletter.db");
        _environment.Settings["Newsletter:Store:Path"] = database;
        _environment.Settings["Newsletter:Sending:WorkerTimeoutSeconds"] = "6";

        using (var publishing = CliProcess.Start(_environment, null, "publish", "--date", "2026-04-06", "--list", "readers"))
        {
            var publish = await publishing.WaitAsync(TimeSpan.FromMinutes(2));

            Assert.True(publish.ExitCode == 1, publish.Output + publish.Error);
            Assert.Contains($"The disk holding the database {database} is full", publish.Error);
        }

        await disk.GrowAsync("64M");
        var resumed = await RunAsync("send", "1", "--list", "readers", "--resume", "--wait");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Equal(_subscribers.Order(), Recipients(_environment.Settings["Newsletter:Delivery:PickupDirectory"]!).Order());
        Assert.Equal(Subscribers, (await StatusAsync()).GetProperty("sent").GetInt32());
    }
}
