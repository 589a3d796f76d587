using System.Globalization;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage.SQLite;
using Newsletter.Delivery.Sending;
using Newsletter.Tests.Support;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Cli;

/// <summary>`send --at` keeps its time through pause and `send --resume`, run as the real executable.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SendScheduleTests : IAsyncLifetime
{
    private readonly TestEnvironment _environment = new();

    public async Task InitializeAsync()
    {
        _environment.AddCsvList("readers", 3);
        Assert.Equal(0, (await RunAsync("stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        Assert.Equal(0, (await RunAsync("issue", "compose", "--date", "2026-04-06")).ExitCode);
    }

    public Task DisposeAsync()
    {
        _environment.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliProcess.Result> RunAsync(params string[] args) => CliProcess.RunAsync(_environment, null, args);

    /// <summary>When Hangfire will run each fan-out job it holds, and the states of those it holds otherwise.</summary>
    private (List<DateTime> Scheduled, long Other) FanOutJobs()
    {
        // Hangfire's log provider is a process-wide static, which may still point at an earlier test host's disposed loggers.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null!);
        var monitoring = new SQLiteStorage(_environment.Settings["Newsletter:Jobs:StoragePath"]!).GetMonitoringApi();
        var scheduled = monitoring.ScheduledJobs(0, 100).Where(j => j.Value.Job?.Type == typeof(FanOutJob)).Select(j => j.Value.EnqueueAt).ToList();
        var other = monitoring.EnqueuedCount("default") + monitoring.ProcessingCount() + monitoring.SucceededListCount() + monitoring.FailedCount();
        return (scheduled, other);
    }

    [Fact]
    public async Task SendResume_KeepsTheAtTime_WhenAPausedScheduledSendIsResumed()
    {
        var at = DateTimeOffset.UtcNow.AddDays(2);
        var atText = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers", "--at", atText)).ExitCode);
        Assert.Equal(0, (await RunAsync("pause", "1", "--list", "readers")).ExitCode);

        var resumed = await RunAsync("send", "1", "--list", "readers", "--resume");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("Scheduled for", resumed.Output);
        var status = await RunAsync("status", "1", "--json");
        using var json = JsonDocument.Parse(status.Output);
        var only = json.RootElement.GetProperty("sends").EnumerateArray().Single();
        Assert.Equal("scheduled", only.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, only.GetProperty("startedAt").ValueKind);
        var (scheduled, other) = FanOutJobs();
        Assert.Equal(0, other);
        Assert.NotEmpty(scheduled);
        Assert.All(scheduled, due => Assert.Equal(at.UtcDateTime, due, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Resume_KeepsTheAtTime_WhenAPausedScheduledSendIsResumed()
    {
        var at = DateTimeOffset.UtcNow.AddDays(2);
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers", "--at", at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))).ExitCode);
        var paused = await RunAsync("pause", "1", "--list", "readers");
        Assert.Contains("`newsletter resume 1 --list readers`", paused.Output);

        var resumed = await RunAsync("resume", "1", "--list", "readers");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("it waits for", resumed.Output);
        var (scheduled, other) = FanOutJobs();
        Assert.Equal(0, other);
        Assert.NotEmpty(scheduled);
        Assert.All(scheduled, due => Assert.Equal(at.UtcDateTime, due, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task PauseAndResume_ExitTwoWithTheReason_WhenTheSendIsCancelled()
    {
        var at = DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers", "--at", at)).ExitCode);
        var cancelled = await RunAsync("cancel", "1", "--list", "readers");
        Assert.Contains("Cancelled issue #1 to 'readers': 3 deliveries will not be sent.", cancelled.Output);

        var pause = await RunAsync("pause", "1", "--list", "readers");
        var resume = await RunAsync("resume", "1", "--list", "readers");

        Assert.Equal((2, 2), (pause.ExitCode, resume.ExitCode));
        Assert.Contains("error: The send of issue #1 to 'readers' is cancelled and cannot be paused.", pause.Error);
        Assert.Contains("error: The send of issue #1 to 'readers' was cancelled; a cancelled send stays cancelled.", resume.Error);
    }

    [Fact]
    public async Task Pause_ExitsTwoNamingTheCommandThatListsSends_WhenTheIssueHasNoSendToThatList()
    {
        var pause = await RunAsync("pause", "1", "--list", "nobody");

        Assert.Equal(2, pause.ExitCode);
        Assert.Contains("error: Issue #1 has no send to list 'nobody'. `newsletter status 1` lists its sends.", pause.Error);
    }

    [Fact]
    public async Task Send_RefusesAnotherTime_ForASendAlreadyWaitingForItsOwn()
    {
        var at = DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var later = DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers", "--at", at)).ExitCode);

        var again = await RunAsync("send", "1", "--list", "readers", "--at", later);

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already scheduled for", again.Error);
    }
}
