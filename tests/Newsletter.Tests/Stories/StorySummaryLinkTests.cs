using Newsletter.OperatorFiles.Stories;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Stories;

/// <summary>Import refuses summaries that link anywhere but https:, http: and mailto: (or hold raw HTML), with the file line.</summary>
public sealed class StorySummaryLinkTests
{
    private const string Path = "stories/hostile.md";

    // The summary's third line (file line 9) carries the hostile part.
    private static string File(string hostileLine) =>
        "---\nsection: news\ntitle: T\ndate: 2026-04-01\nsource: S\n---\n\nFirst line of the summary.\n" + hostileLine + "\nLast line.\n";

    public static TheoryData<string> HostileSummaries => new()
    {
        "[x](javascript:alert(document.domain))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript&#58;alert(1))",
        "[x](<java\tscript:alert(1)>)",
        "[x]( javascript:alert(1) )",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](/sends/1/cancel)",
        "[x](ftp://example.com/file)",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "![chart](http://example.com/chart.png)",
        "![chart](data:image/png;base64,iVBORw0KGgo=)",
        "<a href=\"https://example.com\">raw html</a>",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
    };

    [Theory]
    [MemberData(nameof(HostileSummaries))]
    public void Parse_RejectsSummaryWithFileLine_WhenItLinksOutsideHttpHttpsMailtoOrHoldsRawHtml(string hostileLine)
    {
        var error = Assert.Throws<StoryFileException>(() => StoryFileParser.Parse(File(hostileLine), Path));

        Assert.Equal(9, error.Line);
        Assert.StartsWith($"{Path}:9: ", error.Message);
        Assert.Matches("not allowed; (a link|an image) in a summary must be a full|raw HTML", error.Problem);
    }

    [Theory]
    [InlineData("See [the paper](https://arxiv.org/abs/2604.01234) and [the blog](http://example.com/post).")]
    [InlineData("Write to [the editor](mailto:editor@example.com) or <editor@example.com>.")]
    [InlineData("Autolinked https://example.com/a and www.example.com and <https://example.com/b>.")]
    [InlineData("![chart](https://example.com/chart.png) and a literal 2 < 3, \\<b\\> escaped.")]
    public void Parse_AcceptsSummary_WhenEveryLinkIsHttpsHttpOrMailto(string summary)
    {
        var story = StoryFileParser.Parse(File(summary), Path);

        Assert.Contains(summary, story.SummaryMarkdown);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,hi")]
    [InlineData("/relative/path")]
    public void Parse_RejectsStoryUrl_WhenItIsNotAnAbsoluteHttpOrHttpsAddress(string url)
    {
        var text = $"---\nsection: news\ntitle: T\ndate: 2026-04-01\nsource: S\nurl: \"{url}\"\n---\nSummary.\n";

        var error = Assert.Throws<StoryFileException>(() => StoryFileParser.Parse(text, Path));

        Assert.Equal(6, error.Line);
    }

    [Fact]
    public async Task StoriesAdd_RefusesSummaryWithTheLineAndFix_WhenItLinksToJavascript()
    {
        using var environment = new TestEnvironment();

        var result = await CliProcess.RunAsync(environment, null, "stories", "add", "--slug", "hostile", "--section", "News", "--title", "T",
            "--date", "2026-04-01", "--source", "S", "--summary", "Fine first line.\n[x](javascript:alert(1))");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--summary line 2: link target 'javascript:alert(1)' is not allowed", result.Error);
    }
}
