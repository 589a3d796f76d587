using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>
/// The lists configured under <c>Newsletter:Lists</c>, as commands and jobs ask for them. Every call reads the
/// configuration as it is now (appsettings.json reloads on change) and the CSV files it names, so a long-running
/// worker sends to the current membership without a restart. An edit that does not validate is rejected: the last
/// lists that did validate stay in force, and <see cref="Rejected"/> says why until the edit is fixed.
/// </summary>
public sealed partial class MailingListCatalog(IConfiguration configuration, ILogger<MailingListCatalog> logger, IHostEnvironment? environment = null)
    : IListDisplayNames
{
    private readonly Lock _gate = new();
    private MailingListLoadResult? _lastGood;
    private volatile MailingListLoadResult? _latest;
    private IReadOnlyList<string> _rejected = [];

    /// <summary>Why the current configuration was rejected (empty when it validates).</summary>
    public IReadOnlyList<string> Rejected
    {
        get { lock (_gate) return _rejected; }
    }

    /// <summary>The lists last seen valid, if any were.</summary>
    public MailingListLoadResult? LastGood
    {
        get { lock (_gate) return _lastGood; }
    }

    /// <summary>Reads and validates every list now, exactly as configured (errors included); <c>lists validate</c> reports it as it is.</summary>
    public MailingListLoadResult Load(CancellationToken cancellationToken = default)
    {
        var result = LoadNow(cancellationToken);
        Remember(result);
        return result;
    }

    /// <summary>
    /// Re-reads the lists after an edit and logs the outcome: the new membership, or the rejection with the same errors as at
    /// start and the lists that stay in force.
    /// </summary>
    public MailingListLoadResult Refresh(CancellationToken cancellationToken = default)
    {
        var before = LastGood;
        var result = Load(cancellationToken);
        if (result.HasErrors)
        {
            LogRejected(string.Join(Environment.NewLine, result.Errors.Select(e => "  " + e)),
                before is null ? "none (no valid lists were ever loaded)" : Describe(before));
        }
        else if (before is null || Describe(before) != Describe(result))
        {
            LogReloaded(Describe(result));
        }
        return result;
    }

    /// <summary>
    /// The named lists (every list when <paramref name="names"/> is empty), freshly loaded; if the configuration does not
    /// validate now but did earlier in this process, the last good lists (and a warning in the log).
    /// </summary>
    /// <exception cref="InvalidListsException">The lists do not validate and never did in this process.</exception>
    /// <exception cref="ListNotFoundException">A name is not configured.</exception>
    public IReadOnlyList<MailingList> Resolve(IReadOnlyCollection<string> names)
    {
        var previous = LastGood;
        var result = Load();
        if (result.HasErrors)
        {
            if (previous is null)
            {
                throw new InvalidListsException(result.Errors.Select(e => e.ToString()).ToList());
            }
            LogUsingLastGood(string.Join("; ", result.Errors.Select(e => e.ToString())), Describe(previous));
            result = previous;
        }

        if (names.Count == 0)
        {
            return result.Lists;
        }

        return names.Select(name => result.Find(name)
            ?? throw new ListNotFoundException(name, result.Lists.Select(l => l.Name).ToList()))
            .ToList();
    }

    /// <inheritdoc />
    public string DisplayNameOf(string listName) =>
        (LastGood ?? _latest ?? Load()).Find(listName)?.DisplayName ?? listName;

    /// <summary>
    /// The signup form of <paramref name="listName"/> as configured now, or null when the list does not exist or takes no
    /// signups. Reads only that list's keys, never its subscribers: a form request costs nothing however large the list.
    /// </summary>
    public ListSignup? SignupOf(string listName)
    {
        ArgumentNullException.ThrowIfNull(listName);
        var list = configuration.GetSection(ListsOptions.SectionName).GetChildren()
            .FirstOrDefault(l => string.Equals(l.Key, listName, StringComparison.OrdinalIgnoreCase));
        if (list is null || ListsOptions.ReadSignup(list.GetSection(nameof(MailingListOptions.Signup))) is not { Enabled: true, ConsentText: { } consent }
            || string.IsNullOrWhiteSpace(consent))
        {
            return null;
        }
        var displayName = list[nameof(MailingListOptions.DisplayName)];
        return new ListSignup(list.Key, string.IsNullOrWhiteSpace(displayName) ? list.Key : displayName.Trim(), consent.Trim());
    }

    /// <summary>The CSV files the current configuration names, as full paths (for watching them).</summary>
    public IReadOnlyList<string> SubscriberFiles() =>
        Bind().Lists.Values.Select(l => l?.SubscribersFile).Where(f => !string.IsNullOrWhiteSpace(f))
            .Select(f => Path.GetFullPath(f!, ContentRoot)).Distinct().ToList();

    private string ContentRoot => environment?.ContentRootPath ?? Directory.GetCurrentDirectory();

    private MailingListLoadResult LoadNow(CancellationToken cancellationToken)
    {
        // A JSON file that does not parse reloads as empty, which would read as "no lists": reject it instead.
        var unreadable = UnreadableConfigurationFiles();
        if (unreadable.Count > 0)
        {
            return new MailingListLoadResult([], unreadable, []);
        }
        return new MailingListLoader(Bind(), ContentRoot).Load(cancellationToken);
    }

    private ListsOptions Bind() => ListsOptions.FromConfiguration(configuration);

    private List<ListProblem> UnreadableConfigurationFiles()
    {
        var problems = new List<ListProblem>();
        if (configuration is not IConfigurationRoot root)
        {
            return problems;
        }
        foreach (var provider in root.Providers.OfType<JsonConfigurationProvider>())
        {
            var path = provider.Source.Path is { } relative ? provider.Source.FileProvider?.GetFileInfo(relative).PhysicalPath : null;
            if (path is null || !File.Exists(path)) continue;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException ex)
            {
                problems.Add(new ListProblem("*", path, null, $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message} Fix the file."));
            }
            catch (IOException)
            {
                // Being written right now; the next change notification reads it again.
            }
        }
        return problems;
    }

    private void Remember(MailingListLoadResult result)
    {
        lock (_gate)
        {
            _latest = result;
            if (result.HasErrors)
            {
                _rejected = result.Errors.Select(e => e.ToString()).ToList();
            }
            else
            {
                _lastGood = result;
                _rejected = [];
            }
        }
    }

    private static string Describe(MailingListLoadResult result) =>
        result.Lists.Count == 0 ? "no lists" : string.Join(", ", result.Lists.Select(l => $"{l.Name} ({l.SubscriberCount} subscribers)"));

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error,
        Message = "Edit of the lists rejected: they do not validate, so the last good lists stay in force ({LastGood}):\n{Errors}\nFix appsettings.json or the CSV file; `newsletter lists validate` checks them.")]
    private partial void LogRejected(string errors, string lastGood);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Lists reloaded: {Lists}")]
    private partial void LogReloaded(string lists);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "The lists do not validate ({Errors}); sending to the last good lists: {LastGood}")]
    private partial void LogUsingLastGood(string errors, string lastGood);
}
