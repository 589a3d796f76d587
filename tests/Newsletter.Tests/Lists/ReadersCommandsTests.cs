using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Lists;

/// <summary>`lists show`, `lists export`, `lists remove` and `lists signup-form` with readers joined from the web, run as the real executable.</summary>
public sealed class ReadersCommandsTests : IAsyncLifetime
{
    private const string Consent = "Send me the weekly issue.";
    private readonly TestEnvironment _environment = new();
    private IReadOnlyList<string> _readers = [];

    public async Task InitializeAsync()
    {
        _readers = _environment.AddCsvList("readers", 6);
        _environment.Settings["Newsletter:Lists:readers:Signup:Enabled"] = "true";
        _environment.Settings["Newsletter:Lists:readers:Signup:ConsentText"] = Consent;
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        await host.StartAsync();
        var signups = host.Services.GetRequiredService<ISignupStore>();
        foreach (var (email, name) in new[] { ("web@example.org", "Web, \"Reader\""), (_readers[3].ToUpperInvariant(), "Also configured"), ("gone@example.org", "Gone") })
        {
            var nonce = await signups.RequestAsync(new SignupRequest("readers", email, name, ListSignup.HashOf(Consent)), TimeSpan.FromHours(48), TimeSpan.FromHours(24), CancellationToken.None);
            Assert.NotNull(await signups.ConfirmAsync("readers", email, nonce!, CancellationToken.None));
        }
        var suppressions = host.Services.GetRequiredService<ISuppressionList>();
        await suppressions.AddAsync(_readers[0], "readers", SuppressionReason.Unsubscribed, "one-click", CancellationToken.None);
        await suppressions.AddAsync("gone@example.org", "readers", SuppressionReason.Unsubscribed, "one-click", CancellationToken.None);
        await host.StopAsync();
    }

    public Task DisposeAsync()
    {
        _environment.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliProcess.Result> RunAsync(params string[] args) => CliProcess.RunAsync(_environment, null, args);

    [Fact]
    public async Task Show_CountsConfiguredJoinedSuppressedAndNextSend()
    {
        var result = await RunAsync("lists", "show", "readers");

        Assert.Equal(0, result.ExitCode);
        var output = result.Output.Replace("\r", "");
        Assert.Matches(@"configured\s+6\n", output);
        Assert.Matches(@"joined\s+3  \(signup form on; consent text [0-9a-f]{12}\)", output);
        Assert.Matches(@"suppressed\s+2  \(unsubscribed 2\)", output);
        Assert.Matches(@"next send\s+6\n", output);
    }

    [Fact]
    public async Task Export_WritesEveryoneTheNextIssueGoesTo_AsASubscribersFile()
    {
        var file = Path.Combine(_environment.Directory, "export.csv");

        var result = await RunAsync("lists", "export", "readers", "--out", file);

        Assert.Equal(0, result.ExitCode);
        var lines = File.ReadAllLines(file);
        Assert.Equal("email,name", lines[0]);
        Assert.Equal(_readers.Skip(1).Select((r, i) => $"{r},Reader {i + 1}").Append("web@example.org,\"Web, \"\"Reader\"\"\""), lines.Skip(1));
        Assert.Contains("Wrote 6 reader(s)", result.Output);
    }

    [Fact]
    public async Task Remove_ErasesAReaderWhoJoinedFromTheWeb_AndSaysWhenTheConfigurationAlsoHasThem()
    {
        var web = await RunAsync("lists", "remove", "readers", "web@example.org");
        var configured = await RunAsync("lists", "remove", "readers", _readers[3]);

        Assert.Equal(0, web.ExitCode);
        Assert.Contains("Removed web@example.org", web.Output);
        Assert.Contains("also in the configuration of 'readers'", configured.Output);
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        var left = await host.Services.GetRequiredService<ISignupStore>().ListJoinedAsync("readers", CancellationToken.None);
        Assert.Equal(["gone@example.org"], left.Select(r => r.Email));
    }

    [Fact]
    public async Task SignupForm_PrintsAPlainFormPostingToThePublicAddress()
    {
        var result = await RunAsync("lists", "signup-form", "readers");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("<form method=\"post\" action=\"https://newsletter.test/signup/readers\"", result.Output);
        Assert.Contains(Consent, result.Output);
        Assert.Contains("name=\"website\"", result.Output);
        Assert.Contains($"value=\"{ListSignup.HashOf(Consent)}\"", result.Output);
        Assert.DoesNotContain("<script", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignupForm_SaysHowToTurnSignupsOn_ForAListWithoutThem()
    {
        _environment.AddCsvList("closed", 1);

        var result = await RunAsync("lists", "signup-form", "closed");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Newsletter:Lists:closed:Signup:Enabled", result.Error);
    }
}
