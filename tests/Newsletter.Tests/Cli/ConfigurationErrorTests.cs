using System.Diagnostics;
using System.Text.Json.Nodes;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Cli;

/// <summary>
/// A configuration mistake, as the real executable reports it: one line per mistake naming where it was made (file and line,
/// or environment variable), the key, the bad value and what to write instead; exit code 2 and no stack trace.
/// </summary>
public sealed class ConfigurationErrorTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private string SettingsFile => Path.Combine(_environment.Directory, "appsettings.json");

    /// <summary>The repository's appsettings.json with one value replaced, written where the executable will read it.</summary>
    private void WriteSettings(Action<JsonNode> change)
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "appsettings.json")))!;
        change(settings);
        File.WriteAllText(SettingsFile, settings.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static int LineOf(string file, string text) =>
        File.ReadAllLines(file).Select((line, i) => (line, i)).First(x => x.line.Contains(text)).i + 1;

    private static void AssertNoStackTrace(CliProcess.Result result)
    {
        Assert.DoesNotContain("   at ", result.Error);
        Assert.DoesNotContain("Exception", result.Error);
    }

    [Fact]
    public async Task AnyCommand_NamesFileLineKeyValueAndTheValidNames_WhenAnEnumValueIsUnknown()
    {
        WriteSettings(s => s["Newsletter"]!["Delivery"]!["Transport"] = "Carrier-Pigeon");
        _environment.Settings.Remove("Newsletter:Delivery:Transport");

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"error: appsettings.json:{LineOf(SettingsFile, "Carrier-Pigeon")}: Newsletter:Delivery:Transport is \"Carrier-Pigeon\", " +
                     "which is not valid; write one of Pickup, Smtp.", line);
    }

    [Fact]
    public async Task AnyCommand_RefusesTheNumberNamingTheVariableAndTheValidNames_WhenAnEnumIsGivenAsANumber()
    {
        // The binder would take 1 as the second member, PostgreSql, and try to reach a server nobody configured.
        _environment.Settings["Newsletter:Store:Provider"] = "1";

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("error: environment variable Newsletter__Store__Provider: Newsletter:Store:Provider is \"1\", which is not valid; write one of Sqlite, PostgreSql.", line);
    }

    [Fact]
    public async Task AnyCommand_NamesFileLineKeyValueAndWhatNumberToWrite_WhenANumberIsAWord()
    {
        WriteSettings(s => s["Newsletter"]!["Delivery"]!["BatchSize"] = "lots");
        _environment.Settings.Remove("Newsletter:Delivery:BatchSize");

        var result = await CliProcess.RunAsync(_environment, null, "stories", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"error: appsettings.json:{LineOf(SettingsFile, "\"lots\"")}: Newsletter:Delivery:BatchSize is \"lots\", " +
                     "which is not valid; write a whole number from 1 to 10000, without quotes.", line);
    }

    [Fact]
    public async Task AnyCommand_NamesFileLineKeyValueAndTheRange_WhenANumberIsOutOfRange()
    {
        WriteSettings(s => s["Newsletter"]!["Delivery"]!["BatchSize"] = 100000);
        _environment.Settings.Remove("Newsletter:Delivery:BatchSize");

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"error: appsettings.json:{LineOf(SettingsFile, "100000")}: Newsletter:Delivery:BatchSize is \"100000\": " +
                     "Newsletter:Delivery:BatchSize must be between 1 and 10000.", line);
    }

    [Fact]
    public async Task AnyCommand_NamesFileAndLine_WhenAppsettingsIsNotValidJson()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "appsettings.json")).ToList();
        var batchSize = lines.FindIndex(l => l.Contains("\"BatchSize\""));
        lines[batchSize] = lines[batchSize].TrimEnd().TrimEnd(','); // the classic: a comma dropped after a value
        File.WriteAllLines(SettingsFile, lines);

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"error: appsettings.json:{batchSize + 2}: the file is not valid JSON", line);
    }

    [Fact]
    public async Task AnyCommand_ReportsEveryBadValueOfEverySection_EachOnOneLineNamingItsVariable()
    {
        // One wrong value in each of several sections, all at once: the binding of every section goes through one check.
        var wrong = new Dictionary<string, string>
        {
            ["Newsletter__Sending__ErrorBudget"] = "a fifth",
            ["Newsletter__Jobs__WorkerCount"] = "four",
            ["Newsletter__Issue__PreheaderLength"] = "long",
            ["Newsletter__Dkim__Enabled"] = "yes please",
            ["Newsletter__Delivery__Smtp__Security"] = "Maybe",
            ["Newsletter__Bounces__Port"] = "imap",
            ["Newsletter__Schedule__Enabled"] = "sometimes",
            ["Newsletter__Sender__Verp"] = "perhaps",
        };

        var result = await CliProcess.RunAsync(_environment, wrong.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)), "issue", "list");

        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var (variable, value) in wrong)
        {
            var key = variable.Replace("__", ":");
            Assert.Contains(lines, l => l.StartsWith($"error: environment variable {variable}: {key} is \"{value}\", which is not valid; write ", StringComparison.Ordinal));
        }
        Assert.Contains(lines, l => l.Contains("Smtp:Security") && l.EndsWith("write one of None, StartTls, StartTlsWhenAvailable, SslOnConnect.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Dkim:Enabled") && l.EndsWith("write true or false.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IssueList_DoesNotReadTheLists_WhenAListIsBroken()
    {
        _environment.Settings["Newsletter:Lists:broken:DisplayName"] = "Broken";
        _environment.Settings["Newsletter:Lists:broken:SubscribersFile"] = Path.Combine(_environment.Directory, "missing.csv");

        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No issues yet", result.Output);
    }

    [Fact]
    public async Task IssueList_FinishesInSeconds_WhenAnInlineListHas30000Subscribers()
    {
        WriteSettings(s => s["Newsletter"]!["Lists"]!["big"] = BigList(30_000));

        var clock = Stopwatch.StartNew();
        var result = await CliProcess.RunAsync(_environment, null, "issue", "list");
        clock.Stop();

        output.WriteLine($"issue list with 30,000 inline subscribers: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, result.ExitCode);
        // A hang guard, not a speed test: before the fix this took 33-91 s, the list being bound quadratically at start.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ListsValidate_ReadsA30000SubscriberInlineList_InSeconds()
    {
        WriteSettings(s => s["Newsletter"]!["Lists"]!["big"] = BigList(30_000));

        var clock = Stopwatch.StartNew();
        var result = await CliProcess.RunAsync(_environment, null, "lists", "validate");
        clock.Stop();

        output.WriteLine($"lists validate with 30,000 inline subscribers: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("30,000 subscribers", result.Output);
        // A hang guard, not a speed test (see above).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    private static JsonObject BigList(int subscribers) => new()
    {
        ["DisplayName"] = "Big list",
        ["Subscribers"] = new JsonArray(Enumerable.Range(0, subscribers)
            .Select(i => (JsonNode)new JsonObject { ["Email"] = $"reader{i}@example.com", ["Name"] = $"Reader {i}" }).ToArray()),
    };
}
