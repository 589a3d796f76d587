using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary>What an operator sees when the input is wrong: the file, line or key, the value, and what to do.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public async Task StoriesImport_NamesTheFileLineAndFix_AndImportsTheRest_WhenAStoryFileIsMalformed()
    {
        var folder = Path.Combine(_environment.Directory, "stories");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "stories"), "*.md"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        var sampleCount = Directory.GetFiles(folder, "*.md").Length;
        File.WriteAllText(Path.Combine(folder, "broken.md"), "---\nsection: news\ntitle: A story\ndate: April 1\nsource: Somewhere\n---\nText.\n");

        var result = await CliProcess.RunAsync(_environment, null, "stories", "import", folder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken.md:4", result.Error);
        Assert.Contains("YYYY-MM-DD", result.Error);
        Assert.Contains($"{sampleCount} added", result.Output);
    }

    [Fact]
    public async Task AnyCommand_RefusesWithOneLineNamingIcuAndTheVariable_WhenGlobalizationIsInvariant()
    {
        // As in a small container image: without ICU, "E" + combining acute and "É" would get different address keys, so two
        // spellings of one reader would both be mailed and an unsubscribe could miss the stored address.
        var csv = Path.Combine(_environment.Directory, "readers.csv");
        File.WriteAllText(csv, "email,name\nE\u0301lodie@example.com,One\n\u00C9lodie@example.com,Two\n");
        _environment.Settings["Newsletter:Lists:readers:DisplayName"] = "Readers";
        _environment.Settings["Newsletter:Lists:readers:SubscribersFile"] = csv;

        var result = await CliProcess.RunAsync(_environment, [KeyValuePair.Create("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", (string?)"1")], "lists", "validate");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: Unicode normalization is not available in this process", line);
        Assert.Contains("unset DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", line);
    }

    [Fact]
    public async Task ListsValidate_NamesTheListEntryAndValue_WhenAnAddressIsInvalid()
    {
        var result = await CliProcess.RunAsync(_environment, [KeyValuePair.Create("Newsletter__Lists__sample__Subscribers__1__Email", (string?)"alan@@example.org")],
            "lists", "validate");

        Assert.Equal(2, result.ExitCode);
        var output = result.Output + result.Error;
        Assert.Contains("sample", output);
        Assert.Contains("Subscribers:1", output);
        Assert.Contains("alan@@example.org", output);
    }

    [Fact]
    public async Task Send_RefusesToStart_WhenAListEntryIsInvalid()
    {
        var result = await CliProcess.RunAsync(_environment, [KeyValuePair.Create("Newsletter__Lists__sample__Subscribers__1__Email", (string?)"not-an-address")],
            "send", "1", "--list", "sample");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not-an-address", result.Error);
    }

    [Fact]
    public async Task IssueCompose_SaysTheWeekIsEmptyAndWhatToDo_WhenNoStoryIsDatedInIt()
    {
        await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"));

        var result = await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "2026-01-04");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("No issue for the week 2025-12-29 to 2026-01-04: there are no stories dated in that week.", result.Error);
        Assert.Contains("--date", result.Error);
    }

    [Fact]
    public async Task IssueCompose_RejectsADateThatIsNotIso_WithTheExpectedForm()
    {
        var result = await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "6/4/2026");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--date '6/4/2026' is not a date; write it as YYYY-MM-DD", result.Error);
    }
}
