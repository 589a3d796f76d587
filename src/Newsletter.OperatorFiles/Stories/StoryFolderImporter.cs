using System.Text;
using Newsletter.Core.Stories;

namespace Newsletter.OperatorFiles.Stories;

/// <summary>
/// Imports every <c>*.md</c> story file at the top of a folder (README.md excepted) into the story store.
/// A bad file is reported and skipped; the rest still import. Re-importing is idempotent: a slug is updated,
/// never duplicated, and a file whose content did not change is not written.
/// </summary>
public sealed class StoryFolderImporter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IStoryStore _store;

    public StoryFolderImporter(IStoryStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <param name="folder">The folder; paths in errors are this folder joined with the file name.</param>
    /// <param name="progress">Told about each file as it is done (failures first, as they are found while parsing).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public async Task<StoryImportReport> ImportAsync(string folder, IProgress<StoryFileImported>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The story folder '{folder}' does not exist; create it or pass the folder that holds the .md story files.");
        }

        var files = Directory.EnumerateFiles(folder, "*.md", SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Where(f => !string.Equals(Path.GetFileName(f), "README.md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

        var errors = new List<StoryFileException>();
        var parsed = new List<(string Path, ParsedStoryFile File)>();
        foreach (var path in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var text = await ReadUtf8Async(path, cancellationToken).ConfigureAwait(false);
                parsed.Add((path, StoryFileParser.ParseFile(text, path)));
            }
            catch (StoryFileException e)
            {
                Fail(e, slug: null);
            }
            catch (IOException e)
            {
                Fail(new StoryFileException(path, 0, $"cannot be read: {e.Message}", e), slug: null);
            }
            catch (UnauthorizedAccessException e)
            {
                Fail(new StoryFileException(path, 0, $"cannot be read: {e.Message}", e), slug: null);
            }
        }

        // Two files claiming one slug: neither is imported, since we cannot tell which one the editor meant.
        var duplicates = parsed.GroupBy(p => p.File.Story.Slug, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
        foreach (var group in duplicates)
        {
            foreach (var (path, file) in group)
            {
                var others = string.Join(" and ", group.Where(g => g.Path != path).Select(g => g.Path));
                Fail(new StoryFileException(path, file.SlugLine,
                    $"slug '{group.Key}' is also used by {others}; give each story its own slug (set 'slug:' or rename a file). Neither was imported."), group.Key);
            }
        }

        var duplicateSlugs = duplicates.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        int added = 0, updated = 0, unchanged = 0;
        foreach (var (path, file) in parsed.Where(p => !duplicateSlugs.Contains(p.File.Story.Slug)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var story = file.Story;
            var existing = await _store.GetAsync(story.Slug, cancellationToken).ConfigureAwait(false);
            StoryImportOutcome outcome;
            if (existing is not null && SameContent(existing, story))
            {
                outcome = StoryImportOutcome.Unchanged;
                unchanged++;
            }
            else if (await _store.UpsertAsync(story, cancellationToken).ConfigureAwait(false))
            {
                outcome = StoryImportOutcome.Added;
                added++;
            }
            else
            {
                outcome = StoryImportOutcome.Updated;
                updated++;
            }

            progress?.Report(new StoryFileImported(path, outcome, story.Slug, null));
        }

        return new StoryImportReport(added, updated, unchanged, errors);

        void Fail(StoryFileException error, string? slug)
        {
            errors.Add(error);
            progress?.Report(new StoryFileImported(error.Path, StoryImportOutcome.Failed, slug, error));
        }
    }

    /// <summary>
    /// Reads a story file as strict UTF-8. The default decoder would turn bytes of another encoding (a Latin-1 'é') into
    /// replacement characters that then go out in the email; a file that is too large is refused before it is read.
    /// </summary>
    /// <exception cref="StoryFileException">The file is too large or not valid UTF-8; says where.</exception>
    private static async Task<string> ReadUtf8Async(string path, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        if (length > StoryLimits.MaxFileBytes)
        {
            throw new StoryFileException(path, 0,
                $"the file is {length / 1024} KB; a story file is at most {StoryLimits.MaxFileBytes / 1024} KB (a summary at most {StoryLimits.MaxSummaryBytes / 1024} KB). Is it the right file?");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var at = Math.Clamp(e.Index, 0, bytes.Length);
            var line = 1 + bytes.AsSpan(0, at).Count((byte)'\n');
            var column = at - (bytes.AsSpan(0, at).LastIndexOf((byte)'\n') + 1) + 1;
            var bad = string.Join(" ", (e.BytesUnknown ?? []).Select(b => $"0x{b:X2}"));
            throw new StoryFileException(path, line,
                $"is not valid UTF-8 (byte {bad} at column {column}; it looks like another encoding, such as Latin-1 or Windows-1252). Save the file as UTF-8.", e);
        }
    }

    // Records compare Tags and Url by reference or loosely (Uri ignores fragments), so compare field by field.
    private static bool SameContent(Story a, Story b) =>
        a.Slug == b.Slug
        && a.Section == b.Section
        && a.Title == b.Title
        && a.Date == b.Date
        && a.Source == b.Source
        && a.Url?.OriginalString == b.Url?.OriginalString
        && a.SummaryMarkdown == b.SummaryMarkdown
        && a.Takeaway == b.Takeaway
        && a.Featured == b.Featured
        && a.Priority == b.Priority
        && a.Tags.SequenceEqual(b.Tags)
        && a.Venue == b.Venue;
}
