using System.CommandLine;
using System.Text.RegularExpressions;
using Newsletter.Core.Composition;
using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter stories import|add|list</c>.</summary>
public static partial class StoriesCommands
{
    public static Command Build() => new("stories", "Manage the stored stories that issues are composed from.")
    {
        BuildImport(), BuildAdd(), BuildList(),
    };

    private static Command BuildImport()
    {
        var path = new Argument<string>("PATH") { Description = "A folder of Markdown story files with YAML front matter (e.g. stories/)." };
        var command = new Command("import",
            "Import every *.md story file of a folder. The same slug updates the stored story instead of adding another. " +
            "A malformed file is reported with its line and skipped; the rest still import, and the exit code is 1.")
        {
            path,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var folder = Path.GetFullPath(parse.GetRequiredValue(path));
            if (!Directory.Exists(folder))
            {
                throw new CommandException($"There is no folder {folder}. Pass the folder that holds your story files, e.g. `newsletter stories import stories/`.");
            }
            // On a terminal a bar over the files, with the per-file lines printed after it; otherwise one line per file as it goes.
            var total = Directory.EnumerateFiles(folder, "*.md").Count(f => !string.Equals(Path.GetFileName(f), "README.md", StringComparison.OrdinalIgnoreCase));
            var lines = new ImportLines(buffered: ConsoleProgress.IsInteractive);
            var report = await ConsoleProgress.ItemsAsync("Importing stories", total, advance =>
                services.GetRequiredService<StoryFolderImporter>().ImportAsync(folder, lines.AlsoCalling(advance), token));
            lines.Flush();
            Console.WriteLine($"Imported from {folder}: {report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, {report.Errors.Count} rejected.");
            return report.Errors.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildAdd()
    {
        var slug = new Option<string>("--slug") { Description = "Stable id: lowercase letters, digits and hyphens. Adding an existing slug replaces that story.", Required = true };
        var section = new Option<StorySection>("--section") { Description = "Where the story goes.", Required = true };
        var title = new Option<string>("--title") { Required = true };
        var date = new Option<DateOnly>("--date") { Description = "The story's date (YYYY-MM-DD); it decides the week's issue.", Required = true, HelpName = "YYYY-MM-DD" };
        var source = new Option<string>("--source") { Description = "The publication, e.g. \"Google Blog\".", Required = true };
        var url = new Option<Uri?>("--url") { Description = "Link to the story (absolute http or https)." };
        var summary = new Option<string>("--summary") { Description = "The summary, in Markdown.", Required = true };
        var takeaway = new Option<string?>("--takeaway") { Description = "A one-line takeaway (the \"→\" line; also listed under Key Takeaways)." };
        var featured = new Option<bool>("--featured") { Description = "Make this the week's Big Story." };
        var priority = new Option<int>("--priority") { Description = "Higher comes first within its section (default 0)." };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable)." };
        var venue = new Option<string?>("--venue") { Description = "For papers: the conference or journal, e.g. \"AISTATS 2026\"." };
        var command = new Command("add", "Add one story, or replace the story with the same slug.")
        {
            slug, section, title, date, source, url, summary, takeaway, featured, priority, tags, venue,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var story = new Story(
                parse.GetRequiredValue(slug).Trim(), parse.GetValue(section), OneLine(parse.GetRequiredValue(title)), parse.GetValue(date),
                OneLine(parse.GetRequiredValue(source)), parse.GetValue(url), parse.GetRequiredValue(summary), parse.GetValue(takeaway),
                parse.GetValue(featured), parse.GetValue(priority), parse.GetValue(tags) ?? [], parse.GetValue(venue));
            if (story.Slug.Length > StoryLimits.MaxSlugLength)
            {
                throw new CommandException($"--slug is {story.Slug.Length} characters; the limit is {StoryLimits.MaxSlugLength}. Shorten it.");
            }
            if (!SlugPattern().IsMatch(story.Slug))
            {
                throw new CommandException($"--slug '{story.Slug}' is not a slug: use lowercase letters, digits and hyphens, e.g. gemma-4-apache-2.");
            }
            if (story.Url is { } link && !StoryLinks.IsAllowedStoryUrl(link))
            {
                throw new CommandException($"--url '{link}' must be an absolute http or https address.");
            }
            if (System.Text.Encoding.UTF8.GetByteCount(story.SummaryMarkdown) is var size && size > StoryLimits.MaxSummaryBytes)
            {
                throw new CommandException($"--summary is {size / 1024} KB; the limit is {StoryLimits.MaxSummaryBytes / 1024} KB. Shorten it and link to the full text with --url.");
            }
            if (story.Title.Length > StoryLimits.MaxTitleLength)
            {
                throw new CommandException($"--title is {story.Title.Length} characters; the limit is {StoryLimits.MaxTitleLength} (it becomes the subject line).");
            }
            foreach (var (option, text) in new[] { ("--title", story.Title), ("--source", story.Source), ("--takeaway", story.Takeaway ?? ""), ("--venue", story.Venue ?? "") }
                .Concat(story.Tags.Select(t => ("--tag", t))))
            {
                if (StoryCharacters.IndexOfForbidden(text, allowLineBreaks: false) is var at and >= 0)
                {
                    throw new CommandException($"{option} holds the character {StoryCharacters.Describe(text[at])}, which would hide or reorder what readers see (or cannot be stored); remove it.");
                }
            }
            if (StoryCharacters.IndexOfForbidden(story.SummaryMarkdown, allowLineBreaks: true) is var summaryAt and >= 0)
            {
                throw new CommandException($"--summary holds the character {StoryCharacters.Describe(story.SummaryMarkdown[summaryAt])}, which would hide or reorder what readers see (or cannot be stored); remove it.");
            }
            try
            {
                StorySummaryCheck.Check(story.SummaryMarkdown, "--summary", 1);
            }
            catch (StoryFileException ex)
            {
                throw new CommandException($"--summary line {ex.Line}: {ex.Problem}");
            }
            var added = await services.GetRequiredService<IStoryStore>().UpsertAsync(story, token);
            Console.WriteLine($"{(added ? "Added" : "Updated")} story '{story.Slug}' ({story.Section}, {story.Date:yyyy-MM-dd}).");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command BuildList()
    {
        var date = CliArguments.WeekEnding("Only the week ending on this day.");
        var command = new Command("list", "List stored stories, newest first, with the issue each one went out in.") { date };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var weekEnding = parse.GetValue(date);
            var stories = await services.GetRequiredService<IStoryStore>().ListAsync(weekEnding?.AddDays(-6), weekEnding, token);
            var issueOf = (await services.GetRequiredService<IIssueStore>().ListAsync(token))
                .SelectMany(i => i.AllStories.Select(s => (s.Slug, i.Number)))
                .GroupBy(x => x.Slug)
                .ToDictionary(g => g.Key, g => g.Min(x => x.Number));
            if (stories.Count == 0)
            {
                Console.WriteLine("No stories stored" + (weekEnding is null ? "." : $" for the week ending {weekEnding:yyyy-MM-dd}.") +
                                  " `newsletter stories import stories/` imports the sample week.");
                return ExitCodes.Success;
            }
            Console.WriteLine($"{"DATE",-10}  {"SECTION",-8}  {"ISSUE",-5}  {"SLUG",-32}  TITLE");
            foreach (var story in stories.OrderByDescending(s => s.Date).ThenBy(s => s.Section).ThenBy(s => s.Slug))
            {
                var used = issueOf.TryGetValue(story.Slug, out var n) ? $"#{n}" : "-";
                var title = story.Title.Length > 60 ? story.Title[..59] + "…" : story.Title;
                Console.WriteLine($"{story.Date:yyyy-MM-dd}  {story.Section.ToString().ToLowerInvariant(),-8}  {used,-5}  {story.Slug,-32}  {(story.Featured ? "★ " : "")}{title}");
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>One line per file as it is imported: the outcome and slug, or the error with its line. Buffered while a progress bar is drawn.</summary>
    private sealed class ImportLines(bool buffered) : IProgress<StoryFileImported>
    {
        private readonly List<(bool Error, string Text)> _pending = [];
        private Action<string> _advance = _ => { };

        public ImportLines AlsoCalling(Action<string> onFile)
        {
            _advance = onFile;
            return this;
        }

        public void Report(StoryFileImported file)
        {
            var line = file.Error is { } error
                ? (true, $"error: {error.Message}")
                : (false, $"  {file.Outcome.ToString().ToLowerInvariant(),-9} {file.Slug}");
            if (buffered) _pending.Add(line);
            else Write(line);
            _advance(file.Slug ?? System.IO.Path.GetFileName(file.Path));
        }

        public void Flush()
        {
            foreach (var line in _pending) Write(line);
            _pending.Clear();
        }

        private static void Write((bool Error, string Text) line)
        {
            if (line.Error) Console.Error.WriteLine(line.Text);
            else Console.WriteLine(line.Text);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();
}
