using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Errors;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;

namespace Newsletter.Worker.Publishing;

/// <summary>
/// The weekly job, shared by <c>newsletter publish</c> and the recurring job of <c>newsletter run</c>:
/// sync the stories folder, compose the week's issue (or reuse it), and send it to the lists.
/// </summary>
public sealed partial class IssuePublisher(
    StoryFolderImporter importer,
    IssueComposer composer,
    IIssueStore issues,
    MailingListCatalog lists,
    SendScheduler scheduler,
    RenderedIssueCache renders,
    IOptions<StoriesOptions> stories,
    ILogger<IssuePublisher> logger)
{
    /// <summary>Publishes the issue of the week ending on <paramref name="weekEnding"/>.</summary>
    /// <param name="listNames">The lists to send to; empty means every configured list.</param>
    /// <exception cref="UnreadableStoryFilesException">A story file could not be read; nothing was sent.</exception>
    /// <exception cref="InvalidListsException">The lists do not validate (see <see cref="MailingListCatalog.Resolve"/>); nothing was sent.</exception>
    /// <exception cref="ListNotFoundException">A list named in <paramref name="listNames"/> is not configured; nothing was sent.</exception>
    /// <exception cref="Newsletter.Rendering.TemplateException">A template does not render; nothing was sent.</exception>
    /// <exception cref="EmptyWeekException">The week has no unused stories.</exception>
    public async Task<PublishedIssue> PublishAsync(DateOnly weekEnding, IReadOnlyCollection<string> listNames, Action<string> say, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(stories.Value.Directory);
        var import = await importer.ImportAsync(folder, progress: null, cancellationToken);
        say($"Stories: {import.Added} added, {import.Updated} updated, {import.Unchanged} unchanged from {folder}");
        if (import.Errors.Count > 0)
        {
            throw new UnreadableStoryFilesException(import.Errors.Select(e => e.Message).ToList());
        }

        var targets = lists.Resolve(listNames);

        var issue = await issues.FindByWeekEndingAsync(weekEnding, cancellationToken);
        var reused = issue is not null;
        issue ??= await composer.ComposeAsync(weekEnding, cancellationToken);
        say(reused
            ? $"Issue #{issue.Number} for the week ending {weekEnding:yyyy-MM-dd} was composed before; sending it where it has not gone yet."
            : $"Composed issue #{issue.Number}: \"{issue.Subject}\" ({issue.AllStories.Count()} stories)");
        LogPublishing(issue.Number, weekEnding.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), reused);

        // Rendering before queuing: a template error stops the publish here, with its file and line, instead of failing
        // every batch job, before any list is queued. Each send then stores its rendering as it is created.
        foreach (var list in targets)
        {
            await renders.GetAsync(issue.Number, list, cancellationToken);
        }

        var sends = new List<ScheduledSend>();
        foreach (var list in targets)
        {
            sends.Add(await scheduler.ScheduleAsync(issue.Number, list, at: null, cancellationToken));
        }

        return new PublishedIssue(issue, sends);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing issue #{IssueNumber} for the week ending {WeekEnding} (composed earlier: {Reused})")]
    private partial void LogPublishing(int issueNumber, string weekEnding, bool reused);
}

public sealed record PublishedIssue(Issue Issue, IReadOnlyList<ScheduledSend> Sends);
