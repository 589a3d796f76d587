using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;

namespace Newsletter.Tests.Lists;

/// <summary>
/// `run` re-reads the lists when the config file or a CSV file changes: a good edit takes effect for the next send, a bad one
/// is rejected with the start-up error while the last good lists stay in force.
/// </summary>
/// <remarks>In the Hangfire collection although it runs no job server: mapping the dashboard points Hangfire's process-wide logger at this host.</remarks>
[Collection(HangfireCollection.Name)]
public sealed class LiveListsTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly TestEnvironment _environment = new();
    private string _settingsFile = "";
    private string _csvFile = "";
    private RunningWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _csvFile = Path.Combine(_environment.Directory, "live.csv");
        File.WriteAllLines(_csvFile, ["email,name", "one@example.com,One", "two@example.com,Two"]);
        _settingsFile = Path.Combine(_environment.Directory, "lists.json");
        WriteSettings(("one@example.com", "Inline One"));
        _worker = await RunningWorker.StartAsync(_environment, runJobServer: false,
            configure: builder => builder.Configuration.AddJsonFile(_settingsFile, optional: false, reloadOnChange: true));
        await _worker.Logs.WaitForAsync("Lists reloaded", Wait);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        _environment.Dispose();
    }

    private void WriteSettings(params (string Email, string Name)[] inline)
    {
        var json = JsonSerializer.Serialize(new
        {
            Newsletter = new
            {
                Lists = new Dictionary<string, object>
                {
                    ["inline"] = new { DisplayName = "Inline list", Subscribers = inline.Select(s => new { s.Email, s.Name }).ToArray() },
                    ["live"] = new { DisplayName = "Live list", SubscribersFile = _csvFile },
                },
            },
        });
        File.WriteAllText(_settingsFile, json);
    }

    private IReadOnlyList<string> Members(string list) => _worker.Lists.Resolve([list]).Single().Subscribers.Select(s => s.Email).ToList();

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {Wait}. Log:\n{string.Join("\n", _worker.Logs.Lines)}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ConfigEdit_IsUsedByTheNextSend_WithoutARestart()
    {
        WriteSettings(("one@example.com", "Inline One"), ("new@example.com", "New"));

        await _worker.Logs.WaitForAsync("inline (2 subscribers)", Wait);
        Assert.Equal(["one@example.com", "new@example.com"], Members("inline"));
    }

    [Fact]
    public async Task CsvEdit_IsUsedByTheNextSend_WithoutARestart()
    {
        File.AppendAllLines(_csvFile, ["three@example.com,Three"]);

        await _worker.Logs.WaitForAsync("live (3 subscribers)", Wait);
        Assert.Contains("three@example.com", Members("live"));
    }

    [Fact]
    public async Task ConfigEdit_ThatDoesNotValidate_IsRejectedWithTheStartUpError_AndTheLastGoodListsStay()
    {
        WriteSettings(("not-an-address", "Broken"));

        var logged = await _worker.Logs.WaitForAsync("Edit of the lists rejected", Wait);
        Assert.Contains("Newsletter:Lists:inline:Subscribers:0:Email: 'not-an-address'", logged);
        Assert.Contains("last good lists stay in force", logged);
        Assert.Contains(_worker.Lists.Rejected, e => e.Contains("not-an-address"));
        Assert.Equal(["one@example.com"], Members("inline"));
    }

    [Fact]
    public async Task CsvEdit_ThatDoesNotValidate_IsRejected_AndTheLastGoodMembershipStays()
    {
        File.AppendAllLines(_csvFile, ["broken-address,Broken"]);

        var logged = await _worker.Logs.WaitForAsync("Edit of the lists rejected", Wait);
        Assert.Contains("live.csv line 4", logged);
        Assert.Equal(["one@example.com", "two@example.com"], Members("live"));
    }

    [Fact]
    public async Task ConfigFile_ThatIsNoLongerJson_IsRejected_AndTheLastGoodListsStay()
    {
        File.WriteAllText(_settingsFile, "{ \"Newsletter\": { \"Lists\": ");

        await WaitUntilAsync(() => _worker.Lists.Rejected.Any(e => e.Contains("is not valid JSON")), "rejecting the broken JSON");
        Assert.Equal(["one@example.com"], Members("inline"));
    }

    [Fact]
    public async Task SendsPage_ShowsARejectedEdit()
    {
        WriteSettings(("not-an-address", "Broken"));
        await WaitUntilAsync(() => _worker.Lists.Rejected.Count > 0, "rejecting the edit");
        using var client = _worker.Client();

        var page = await client.GetStringAsync("/sends");

        Assert.Contains("The last edit of the lists was rejected", page);
        Assert.Contains("not-an-address", page);
    }
}
