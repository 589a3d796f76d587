using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Stories;

namespace Newsletter.Tests.Stories;

/// <summary>What a story may not hold: control characters and bidirectional overrides, refused at import with the line.</summary>
public sealed class StoryCharacterRulesTests
{
    private const string Path = "stories/gemma.md";

    private static string File(string title, string summary = "The summary.", string source = "Google Blog") =>
        $"---\nsection: news\ntitle: \"{title}\"\ndate: 2026-04-01\nsource: \"{source}\"\n---\n{summary}\n";

    private static StoryFileException ParseFails(string text) => Assert.Throws<StoryFileException>(() => StoryFileParser.Parse(text, Path));

    [Theory]
    [InlineData("Google Releases \\u202EGemma 4", "U+202E (right-to-left override)")]
    [InlineData("Google Releases \\u2067Gemma 4", "U+2067 (right-to-left isolate)")]
    [InlineData("NUL\\0 here", "U+0000 (NUL)")]
    [InlineData("Escape\\e[31m red", "U+001B (escape)")]
    [InlineData("C1 \\u009B control", "U+009B (a control character)")]
    [InlineData("Tab\\tin a title", "U+0009 (tab)")]
    public void Parse_RefusesTheTitleLine_WhenTheTitleHoldsACharacterThatChangesWhatReadersSee(string yamlTitle, string named)
    {
        var error = ParseFails(File(yamlTitle));

        Assert.Equal(3, error.Line);
        Assert.Equal($"{Path}:3: title holds the character {named}, which would hide or reorder what readers see (or cannot be stored); remove it.", error.Message);
    }

    [Fact]
    public void Parse_RefusesTheSourceLine_WhenTheSourceHoldsAnOverride()
    {
        var error = ParseFails(File("Fine", source: "Blog \\u202D"));

        Assert.Equal(5, error.Line);
        Assert.Contains("source holds the character U+202D (left-to-right override)", error.Message);
    }

    [Fact]
    public void Parse_RefusesTheSummaryLineOfTheCharacter_WhenTheSummaryHoldsAnOverride()
    {
        var error = ParseFails(File("Fine", summary: "First line.\n\nThird line \u202Egnorw."));

        Assert.Equal(9, error.Line);
        Assert.Contains("the summary holds the character U+202E (right-to-left override)", error.Message);
    }

    [Fact]
    public void Parse_RefusesTheSummary_WhenItHoldsARawNulByte()
    {
        var error = ParseFails(File("Fine", summary: "Bytes\0 of a binary file."));

        Assert.Equal(7, error.Line);
        Assert.Contains("U+0000 (NUL)", error.Message);
    }

    [Fact]
    public void Parse_AcceptsRightToLeftTextAndMarks_WhenNoOverrideIsUsed()
    {
        // Hebrew with a right-to-left mark is how bidirectional text is written correctly; only overrides and isolates are refused.
        var story = StoryFileParser.Parse(File("\u05E9\u05DC\u05D5\u05DD\u200F 4", summary: "Line\ttabbed.\n\nNext."), Path);

        Assert.Equal("\u05E9\u05DC\u05D5\u05DD\u200F 4", story.Title);
    }

    [Fact]
    public void Parse_RefusesTheSlugLine_WhenTheSlugIsOverTheLimit()
    {
        var slug = string.Join("-", Enumerable.Repeat("abcd", 2000));
        var error = ParseFails($"---\nslug: {slug}\nsection: news\ntitle: Fine\ndate: 2026-04-01\nsource: Blog\n---\nSummary.\n");

        Assert.Equal(2, error.Line);
        Assert.Contains($"the slug is {slug.Length} characters; the limit is {StoryLimits.MaxSlugLength}", error.Message);
    }
}
