using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Cli;

/// <summary>
/// A template that does not render never leaves a send hanging: `send` refuses to queue it (exit 2, the file and line). A send
/// is rendered and stored when it is queued, so a template broken afterwards changes nothing; only a send queued before
/// renderings were stored is rendered by the workers, and a broken template pauses it with that reason, for `send --wait`,
/// `status` and /sends.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class SendTemplateErrorTests : IAsyncLifetime
{
    private readonly TestEnvironment _environment = new();
    private string _templates = "";

    public async Task InitializeAsync()
    {
        _environment.AddCsvList("readers", 5);
        _templates = Path.Combine(_environment.Directory, "templates");
        Directory.CreateDirectory(_templates);
        // The whole tree: the pages `run` serves (/sends among them) are templates under templates/pages.
        foreach (var file in Directory.GetFiles(RepoPaths.Templates, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(_templates, Path.GetRelativePath(RepoPaths.Templates, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        _environment.Settings["Newsletter:Rendering:TemplatesDirectory"] = _templates;
        Assert.Equal(0, (await RunAsync("stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        Assert.Equal(0, (await RunAsync("issue", "compose", "--date", "2026-04-06")).ExitCode);
    }

    public Task DisposeAsync()
    {
        _environment.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliProcess.Result> RunAsync(params string[] args) => CliProcess.RunAsync(_environment, null, args);

    /// <summary>Makes a partial throw while rendering; returns "FILE line N" as error messages name it.</summary>
    private string BreakTemplate()
    {
        var story = Path.Combine(_templates, "_Story.txt.cshtml");
        File.AppendAllText(story, "@{ throw new InvalidOperationException(\"boom\"); }\n");
        return $"{story} line {File.ReadAllLines(story).Length}";
    }

    private void RepairTemplate() => File.Copy(Path.Combine(RepoPaths.Templates, "_Story.txt.cshtml"), Path.Combine(_templates, "_Story.txt.cshtml"), overwrite: true);

    [Fact]
    public async Task SendWait_ExitsTwoNamingTheTemplateFileAndLine_AndRecordsNothing_WhenATemplateIsBroken()
    {
        var brokenAt = BreakTemplate();

        using var sending = CliProcess.Start(_environment, null, "send", "1", "--list", "readers", "--wait");
        var send = await sending.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(send.ExitCode == 2, send.Output + send.Error);
        Assert.Contains(brokenAt, send.Error);
        var status = await RunAsync("status", "1", "--json");
        using var json = JsonDocument.Parse(status.Output);
        Assert.Equal(0, json.RootElement.GetProperty("sends").GetArrayLength());
    }

    /// <summary>Forgets the send's stored rendering, as if it had been queued before renderings were stored.</summary>
    private async Task ForgetStoredRenderingAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_environment.Settings["Newsletter:Store:Path"]}");
        await connection.OpenAsync();
        await using var delete = new SqliteCommand("DELETE FROM issue_renderings", connection);
        Assert.Equal(1, await delete.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Send_SendsTheRenderingCheckedWhenQueued_WhenATemplateBreaksAfterQueuing()
    {
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers")).ExitCode);
        BreakTemplate();

        await using var worker = await RunningWorker.StartAsync(_environment);
        var send = (await TestDeliveryLog.From(worker.Services).FindSendAsync(1, "readers", CancellationToken.None))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var counts = await worker.Services.GetRequiredService<SendWatcher>().WaitAsync(1, [send], (_, _) => { }, timeout.Token);

        Assert.Equal(5, counts.Sent);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_environment.Directory, "outbox"), "*.eml", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Send_PausesWithTheTemplateFileAndLine_ForWaitStatusAndSendsPage_WhenATemplateBreaksUnderASendWithoutAStoredRendering()
    {
        Assert.Equal(0, (await RunAsync("send", "1", "--list", "readers")).ExitCode);
        await ForgetStoredRenderingAsync();
        var brokenAt = BreakTemplate();

        await using (var worker = await RunningWorker.StartAsync(_environment))
        {
            var log = TestDeliveryLog.From(worker.Services);
            var send = (await log.FindSendAsync(1, "readers", CancellationToken.None))!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

            var stopped = await Assert.ThrowsAsync<SendStoppedException>(() =>
                worker.Services.GetRequiredService<SendWatcher>().WaitAsync(1, [send], (_, _) => { }, timeout.Token));

            Assert.Contains(brokenAt, stopped.Message);
            Assert.Equal(SendState.Paused, (await log.GetSendAsync(send.Id, CancellationToken.None))!.State);
            using var client = worker.Client();
            Assert.Contains(brokenAt, await client.GetStringAsync("/sends"));
        }

        var text = await RunAsync("status", "1");
        var status = await RunAsync("status", "1", "--json");
        Assert.Contains(brokenAt, text.Output);
        using var json = JsonDocument.Parse(status.Output);
        var only = json.RootElement.GetProperty("sends").EnumerateArray().Single();
        Assert.Equal("paused", only.GetProperty("state").GetString());
        Assert.Contains(brokenAt, only.GetProperty("pauseReason").GetString());
        Assert.Equal(5, only.GetProperty("pending").GetInt32());

        RepairTemplate();
        var resumed = await RunAsync("send", "1", "--list", "readers", "--resume", "--wait");
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_environment.Directory, "outbox"), "*.eml", SearchOption.AllDirectories).Length);
    }
}
