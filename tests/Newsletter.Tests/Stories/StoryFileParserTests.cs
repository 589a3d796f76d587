using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Stories;

namespace Newsletter.Tests.Stories;

public sealed class StoryFileParserTests
{
    private const string Path = "stories/mlperf.md";

    private static string File(params string[] frontMatter) =>
        "---\n" + string.Join("\n", frontMatter) + "\n---\nThe summary.\n";

    private static readonly string[] Required = ["section: news", "title: \"MLPerf v6\"", "date: 2026-04-01", "source: MLCommons"];

    private static StoryFileException ParseFails(string text, string path = Path) =>
        Assert.Throws<StoryFileException>(() => StoryFileParser.Parse(text, path));

    [Fact]
    public void Parse_ReadsEveryKeyAndTheSummary_WhenFileIsComplete()
    {
        var text = """
            ---
            slug: gemma-4-apache-2
            section: news
            title: "Google Releases Gemma 4: Four Open Models Under Apache 2.0"
            date: 2026-04-02
            source: Google Blog
            url: https://blog.google/technology/developers/gemma-4/
            takeaway: "The licence is the story."
            featured: true
            priority: 10
            tags: [open-models, google]
            venue: Nowhere 2026
            ---
            First paragraph.

            Second *paragraph*.
            """;

        var story = StoryFileParser.Parse(text, "stories/whatever.md");

        Assert.Equal(
            new Story("gemma-4-apache-2", StorySection.News, "Google Releases Gemma 4: Four Open Models Under Apache 2.0", new DateOnly(2026, 4, 2),
                "Google Blog", new Uri("https://blog.google/technology/developers/gemma-4/"), "First paragraph.\n\nSecond *paragraph*.",
                "The licence is the story.", Featured: true, Priority: 10, Tags: story.Tags, Venue: "Nowhere 2026"),
            story);
        Assert.Equal(["open-models", "google"], story.Tags);
    }

    [Fact]
    public void Parse_ReportsTheSummaryLineAndLimit_WhenTheSummaryIsOver64KB()
    {
        var text = "---\n" + string.Join("\n", Required) + "\n---\n" + new string('x', StoryLimits.MaxSummaryBytes + 1) + "\n";

        var error = ParseFails(text);

        Assert.Equal(7, error.Line);
        Assert.StartsWith("stories/mlperf.md:7: the summary is 64 KB; the limit is 64 KB.", error.Message);
    }

    [Fact]
    public void Parse_AcceptsTheSummary_WhenItIsExactly64KB()
    {
        // Multi-byte characters count as the bytes they take in the email.
        var summary = new string('é', StoryLimits.MaxSummaryBytes / 2);

        var story = StoryFileParser.Parse("---\n" + string.Join("\n", Required) + "\n---\n" + summary + "\n", Path);

        Assert.Equal(summary, story.SummaryMarkdown);
    }

    [Fact]
    public void Parse_ReportsTheTitleLine_WhenTheTitleIsOverTheLimit()
    {
        var error = ParseFails(File("section: news", $"title: \"{new string('t', StoryLimits.MaxTitleLength + 1)}\"", "date: 2026-04-01", "source: MLCommons"));

        Assert.Equal(3, error.Line);
        Assert.Contains($"the limit is {StoryLimits.MaxTitleLength}", error.Message);
    }

    [Fact]
    public void Parse_TakesSlugFromFileName_WhenSlugKeyIsAbsent()
    {
        var story = StoryFileParser.Parse(File(Required), Path);

        Assert.Equal("mlperf", story.Slug);
    }

    [Fact]
    public void Parse_UsesDefaults_WhenOptionalKeysAreAbsent()
    {
        var story = StoryFileParser.Parse(File(Required), Path);

        Assert.Equal((null, null, false, 0, null), (story.Url, story.Takeaway, story.Featured, story.Priority, story.Venue));
        Assert.Empty(story.Tags);
    }

    [Fact]
    public void Parse_AcceptsWindowsLineEndingsAndByteOrderMark_WhenFileWasSavedOnWindows()
    {
        var story = StoryFileParser.Parse("\uFEFF" + File(Required).ReplaceLineEndings("\r\n"), Path);

        Assert.Equal(("MLPerf v6", "The summary."), (story.Title, story.SummaryMarkdown));
    }

    [Fact]
    public void Parse_ReportsLineOne_WhenFrontMatterIsMissing()
    {
        var error = ParseFails("title: x\n\nSummary.");

        Assert.Equal((Path, 1), (error.Path, error.Line));
        Assert.StartsWith("stories/mlperf.md:1: the file does not start with front matter; make the first line '---'", error.Message);
    }

    [Fact]
    public void Parse_ReportsOpeningLine_WhenClosingDashesAreMissing()
    {
        var error = ParseFails("---\nsection: news\ntitle: x\n\nSummary.");

        Assert.Equal("stories/mlperf.md:1: the front matter opened on this line is never closed; add a line '---' after the last key.", error.Message);
    }

    [Fact]
    public void Parse_ReportsYamlLineAndQuotingHint_WhenYamlSyntaxIsBad()
    {
        var error = ParseFails(File("section: news", "title: MLPerf: the results", "date: 2026-04-01", "source: MLCommons"));

        Assert.Equal(3, error.Line);
        Assert.StartsWith("stories/mlperf.md:3: invalid YAML: ", error.Message);
        Assert.Contains("must be in double quotes", error.Message);
        Assert.DoesNotContain("(Line:", error.Message);
    }

    [Fact]
    public void Parse_NamesAllowedKeysAndLikelyKey_WhenKeyIsUnknown()
    {
        var error = ParseFails(File(["section: news", "titel: MLPerf", .. Required[1..]]));

        Assert.Equal(
            "stories/mlperf.md:3: unknown key 'titel' (did you mean 'title'?); the allowed keys are slug, section, title, date, source, url, takeaway, featured, priority, tags, venue.",
            error.Message);
    }

    [Fact]
    public void Parse_NamesEveryMissingKeyWithExamples_WhenRequiredKeysAreMissing()
    {
        var error = ParseFails(File("section: news", "title: MLPerf"));

        Assert.Equal(
            "stories/mlperf.md:1: missing required keys 'date', 'source'; add them to the front matter, e.g. date: 2026-04-02, source: Google Blog.",
            error.Message);
    }

    [Fact]
    public void Parse_ReportsKeyLine_WhenRequiredValueIsEmpty()
    {
        var error = ParseFails(File("section: news", "title:", "date: 2026-04-01", "source: MLCommons"));

        Assert.Equal("stories/mlperf.md:3: title is empty; give it a value, e.g. title: \"Google Releases Gemma 4\".", error.Message);
    }

    [Fact]
    public void Parse_ReportsDateLineAndFormat_WhenDateIsNotIso()
    {
        var error = ParseFails(File("section: news", "title: MLPerf", "date: April 1", "source: MLCommons"));

        Assert.Equal((Path, 4), (error.Path, error.Line));
        Assert.Equal("stories/mlperf.md:4: date 'April 1' is not a date; write it as YYYY-MM-DD.", error.Message);
    }

    [Fact]
    public void Parse_ReportsDateLine_WhenDateDoesNotExist()
    {
        var error = ParseFails(File("section: news", "title: MLPerf", "date: 2026-02-30", "source: MLCommons"));

        Assert.Equal("stories/mlperf.md:4: date '2026-02-30' is not a date; write it as YYYY-MM-DD.", error.Message);
    }

    [Fact]
    public void Parse_ListsSections_WhenSectionIsUnknown()
    {
        var error = ParseFails(File(["section: newz", .. Required[1..]]));

        Assert.Equal("stories/mlperf.md:2: section 'newz' is not one of intro, news, papers, media, closing; write one of them.", error.Message);
    }

    [Fact]
    public void Parse_AsksForFullAddress_WhenUrlIsNotAbsoluteHttp()
    {
        var error = ParseFails(File([.. Required, "url: mlcommons.org/results"]));

        Assert.Equal(
            "stories/mlperf.md:6: url 'mlcommons.org/results' is not a full web address; write it with its scheme, e.g. https://example.com/article, or leave the key out.",
            error.Message);
    }

    [Fact]
    public void Parse_RejectsNonWebScheme_WhenUrlIsFtp()
    {
        var error = ParseFails(File([.. Required, "url: ftp://mlcommons.org/results"]));

        Assert.Equal(6, error.Line);
        Assert.Contains("is not a full web address", error.Message);
    }

    [Fact]
    public void Parse_SuggestsValidSlug_WhenSlugKeyIsInvalid()
    {
        var error = ParseFails(File(["slug: MLPerf v6!", .. Required]));

        Assert.Equal("stories/mlperf.md:2: slug 'MLPerf v6!' is not valid; use lowercase letters, digits and single hyphens, e.g. 'mlperf-v6'.", error.Message);
    }

    [Fact]
    public void Parse_SuggestsRenameOrSlugKey_WhenFileNameIsNotAValidSlug()
    {
        var error = ParseFails(File(Required), "stories/MLPerf Results.md");

        Assert.Equal(
            "stories/MLPerf Results.md:1: the file name gives the slug 'MLPerf Results', which is not valid (lowercase letters, digits and single hyphens); rename the file to mlperf-results.md or add 'slug: mlperf-results' to the front matter.",
            error.Message);
    }

    [Fact]
    public void Parse_ReportsBothLines_WhenKeyIsGivenTwice()
    {
        var error = ParseFails(File([.. Required, "title: Again"]));

        Assert.Equal("stories/mlperf.md:6: key 'title' is given twice (first on line 3); keep one.", error.Message);
    }

    [Fact]
    public void Parse_ReportsFeaturedLine_WhenFeaturedIsNotBoolean()
    {
        var error = ParseFails(File([.. Required, "featured: maybe"]));

        Assert.Equal("stories/mlperf.md:6: featured 'maybe' must be true or false.", error.Message);
    }

    [Fact]
    public void Parse_ReportsPriorityLine_WhenPriorityIsNotANumber()
    {
        var error = ParseFails(File([.. Required, "priority: high"]));

        Assert.Equal("stories/mlperf.md:6: priority 'high' must be a whole number, e.g. 10 (higher comes first).", error.Message);
    }

    [Fact]
    public void Parse_ReportsKeyLine_WhenSingleValueKeyHoldsAList()
    {
        var error = ParseFails(File(["section: news", "title: [a, b]", .. Required[2..]]));

        Assert.Equal("stories/mlperf.md:3: title must be a single value, not a list; write it on one line, e.g. title: some text.", error.Message);
    }

    [Fact]
    public void Parse_ReportsClosingLine_WhenSummaryIsEmpty()
    {
        var error = ParseFails("---\n" + string.Join("\n", Required) + "\n---\n\n");

        Assert.Equal("stories/mlperf.md:6: the summary is empty; write the story's summary in Markdown below this '---' line.", error.Message);
    }

    [Fact]
    public void Parse_SplitsOnCommas_WhenTagsIsOneLineOfText()
    {
        var story = StoryFileParser.Parse(File([.. Required, "tags: open-models, google"]), Path);

        Assert.Equal(["open-models", "google"], story.Tags);
    }
}
