using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Storage;
using Newsletter.Tests.Storage;

namespace Newsletter.Tests.Stories;

public sealed class StoryFolderImporterTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();
    private readonly string _folder;
    private readonly StoryStore _store;
    private readonly StoryFolderImporter _importer;

    public StoryFolderImporterTests()
    {
        _folder = Path.Combine(_temp.Folder, "stories");
        Directory.CreateDirectory(_folder);
        _store = new StoryStore(_temp.Database);
        _importer = new StoryFolderImporter(_store);
    }

    public void Dispose() => _temp.Dispose();

    private void Write(string fileName, string title, string? slug = null, string date = "2026-04-01") =>
        File.WriteAllText(Path.Combine(_folder, fileName), $"""
            ---
            {(slug is null ? "" : $"slug: {slug}")}
            section: news
            title: "{title}"
            date: {date}
            source: Test
            ---
            Summary of {title}.
            """);

    [Fact]
    public async Task ImportAsync_RejectsTheFileWithTheLineOfTheBadByte_WhenItIsNotUtf8()
    {
        // "Café" saved as Latin-1: 0xE9 alone is not UTF-8. Read leniently, it would become U+FFFD in every reader's inbox.
        var latin1 = System.Text.Encoding.Latin1.GetBytes("---\nsection: news\ntitle: \"Caf\u00e9 opens\"\ndate: 2026-04-01\nsource: Test\n---\nSummary.\n");
        var file = Path.Combine(_folder, "cafe.md");
        await File.WriteAllBytesAsync(file, latin1);
        Write("fine.md", "Fine");

        var report = await _importer.ImportAsync(_folder, null, None);

        var error = Assert.Single(report.Errors);
        Assert.Equal(file, error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains("is not valid UTF-8 (byte 0xE9 at column 12", error.Message);
        Assert.Contains("Save the file as UTF-8", error.Message);
        Assert.Null(await _store.GetAsync("cafe", None));
        Assert.Equal(1, report.Added);
    }

    [Fact]
    public async Task ImportAsync_RejectsTheFileUnread_WhenItIsOverAMegabyte()
    {
        var file = Path.Combine(_folder, "huge.md");
        Write("huge.md", "Huge");
        await File.AppendAllTextAsync(file, new string('x', StoryLimits.MaxFileBytes));

        var report = await _importer.ImportAsync(_folder, null, None);

        var error = Assert.Single(report.Errors);
        Assert.Equal(file, error.Path);
        Assert.Contains($"a story file is at most {StoryLimits.MaxFileBytes / 1024} KB", error.Message);
        Assert.Null(await _store.GetAsync("huge", None));
    }

    [Fact]
    public async Task ImportAsync_AddsEveryStory_WhenFolderIsNew()
    {
        Write("a.md", "A");
        Write("b.md", "B");

        var report = await _importer.ImportAsync(_folder, null, None);

        Assert.Equal((2, 0, 0), (report.Added, report.Updated, report.Unchanged));
        Assert.Empty(report.Errors);
        Assert.Equal(["a", "b"], (await _store.ListAsync(null, null, None)).Select(s => s.Slug).Order());
    }

    [Fact]
    public async Task ImportAsync_ReportsUnchangedAndWritesNothing_WhenImportedTwice()
    {
        Write("a.md", "A");
        Write("b.md", "B");
        await _importer.ImportAsync(_folder, null, None);

        var report = await _importer.ImportAsync(_folder, null, None);

        Assert.Equal((0, 0, 2), (report.Added, report.Updated, report.Unchanged));
        Assert.Equal(2, (await _store.ListAsync(null, null, None)).Count);
    }

    [Fact]
    public async Task ImportAsync_UpdatesStoryInPlace_WhenFileChangedSinceLastImport()
    {
        Write("a.md", "A");
        await _importer.ImportAsync(_folder, null, None);
        Write("a.md", "A, revised");

        var report = await _importer.ImportAsync(_folder, null, None);

        Assert.Equal((0, 1, 0), (report.Added, report.Updated, report.Unchanged));
        var story = Assert.Single(await _store.ListAsync(null, null, None));
        Assert.Equal("A, revised", story.Title);
    }

    [Fact]
    public async Task ImportAsync_ImportsTheRestAndReportsTheBadFile_WhenOneFileIsMalformed()
    {
        Write("a.md", "A");
        Write("bad.md", "Bad", date: "April 1");
        Write("c.md", "C");

        var report = await _importer.ImportAsync(_folder, null, None);

        Assert.Equal(2, report.Added);
        var error = Assert.Single(report.Errors);
        Assert.Equal(Path.Combine(_folder, "bad.md"), error.Path);
        Assert.Equal($"{Path.Combine(_folder, "bad.md")}:5: date 'April 1' is not a date; write it as YYYY-MM-DD.", error.Message);
        Assert.Equal(["a", "c"], (await _store.ListAsync(null, null, None)).Select(s => s.Slug).Order());
    }

    [Fact]
    public async Task ImportAsync_ReportsBothFilesAndImportsNeither_WhenTwoFilesShareASlug()
    {
        Write("first.md", "First", slug: "same");
        Write("second.md", "Second", slug: "same");
        Write("other.md", "Other");

        var report = await _importer.ImportAsync(_folder, null, None);

        var first = Path.Combine(_folder, "first.md");
        var second = Path.Combine(_folder, "second.md");
        Assert.Equal(2, report.Errors.Count);
        Assert.Contains(report.Errors, e => e.Path == first && e.Line == 2 && e.Message.Contains($"slug 'same' is also used by {second}"));
        Assert.Contains(report.Errors, e => e.Path == second && e.Message.Contains($"slug 'same' is also used by {first}"));
        Assert.Null(await _store.GetAsync("same", None));
        Assert.Equal(1, report.Added);
    }

    [Fact]
    public async Task ImportAsync_SkipsReadmeAndOtherFiles_WhenFolderHasThem()
    {
        Write("a.md", "A");
        File.WriteAllText(Path.Combine(_folder, "README.md"), "# How to write a story");
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not a story");

        var report = await _importer.ImportAsync(_folder, null, None);

        Assert.Equal(1, report.Added);
        Assert.Empty(report.Errors);
    }

    [Fact]
    public async Task ImportAsync_ReportsEachFile_WhenProgressIsGiven()
    {
        Write("a.md", "A");
        Write("bad.md", "Bad", date: "soon");
        var seen = new List<StoryFileImported>();

        await _importer.ImportAsync(_folder, new SynchronousProgress<StoryFileImported>(seen.Add), None);

        Assert.Equal(
            [("bad.md", StoryImportOutcome.Failed), ("a.md", StoryImportOutcome.Added)],
            seen.Select(s => (Path.GetFileName(s.Path), s.Outcome)));
    }

    [Fact]
    public async Task ImportAsync_Throws_WhenFolderDoesNotExist()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => _importer.ImportAsync(Path.Combine(_folder, "missing"), null, None));
    }

    [Fact]
    public async Task ImportAsync_ImportsTheSampleWeekWithoutErrors_WhenGivenTheRepositoryStoriesFolder()
    {
        var report = await _importer.ImportAsync(Path.Combine(RepositoryRoot(), "stories"), null, None);

        Assert.Empty(report.Errors);
        Assert.Equal(10, report.Added);
        var stories = await _store.ListAsync(new DateOnly(2026, 3, 31), new DateOnly(2026, 4, 6), None);
        Assert.Equal(10, stories.Count);
        Assert.Equal("gemma-4-apache-2", Assert.Single(stories, s => s.Featured).Slug);
        Assert.Single(stories, s => s.Section == StorySection.Intro);
        Assert.Single(stories, s => s.Section == StorySection.Closing);
        Assert.Equal(2, stories.Count(s => s.Section == StorySection.Papers && s.Venue is not null));
        Assert.Equal(
            ["gemma-4-apache-2", "mlperf-inference-v6", "amd-mi355x-1m-tokens", "hugging-face-spring-2026-census", "pytorch-xla-2-7", "state-of-mlops-gpu-scheduling"],
            stories.Where(s => s.Section == StorySection.News).OrderByDescending(s => s.Priority).Select(s => s.Slug));
        Assert.All(stories.Where(s => s.Section == StorySection.News), s => Assert.False(string.IsNullOrWhiteSpace(s.Takeaway)));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Newsletter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Newsletter.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Unlike <see cref="Progress{T}"/>, reports on the calling thread, so the list is complete when the import returns.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
