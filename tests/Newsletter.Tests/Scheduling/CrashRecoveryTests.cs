using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Scheduling;

/// <summary>
/// A send killed with SIGKILL in the middle (the real executable, a real SMTP server, real SQLite and Hangfire files)
/// and started again finishes with nobody lost, and nobody mailed twice beyond the one message per connection whose
/// reply the dead process never recorded.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Subscribers = 1000;
    private const int Connections = 4;
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private IReadOnlyList<string> _subscribers = [];

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _subscribers = _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "50";
        _environment.Settings["Newsletter:Sending:Connections"] = Connections.ToString();
        // Slow enough that the kill lands mid-send, fast enough for a test: 1,000 messages in about 5 s.
        _environment.Settings["Newsletter:Sending:PerSecond"] = "200";
        _environment.Settings["Newsletter:Sending:WorkerTimeoutSeconds"] = "6";
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public async Task Send_FinishesWithNobodyLostOrDoubled_WhenKilledMidSendAndResumed()
    {
        await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"));
        await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "2026-04-06");

        using (var first = CliProcess.Start(_environment, null, "send", "1", "--list", "readers", "--wait"))
        {
            await _smtp.WaitForMessagesAsync(250, TimeSpan.FromMinutes(1));
            first.KillHard();
            await first.Process.WaitForExitAsync();
        }
        var receivedBeforeRestart = _smtp.Received.Count;

        var resumed = await CliProcess.RunAsync(_environment, null, "send", "1", "--list", "readers", "--resume", "--wait");
        var status = await CliProcess.RunAsync(_environment, null, "status", "1", "--json");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.InRange(receivedBeforeRestart, 250, Subscribers - 1);
        var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(_subscribers.Order(), perRecipient.Keys.Order());
        using var json = System.Text.Json.JsonDocument.Parse(status.Output);
        var uncertain = json.RootElement.GetProperty("uncertain").GetInt32();
        var doubled = perRecipient.Count(kv => kv.Value > 1);
        output.WriteLine($"{receivedBeforeRestart} received before the kill; after resuming, {uncertain} resent as uncertain, {doubled} received twice.");
        Assert.InRange(uncertain, 0, Connections);
        Assert.InRange(doubled, 0, uncertain);
        Assert.Equal(Subscribers, json.RootElement.GetProperty("sent").GetInt32());
    }
}
