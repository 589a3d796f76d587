using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;

namespace Newsletter.Delivery.Lists;

/// <summary>
/// Turns the <c>Newsletter:Lists</c> configuration (inline subscribers and CSV files) into validated
/// <see cref="MailingList"/>s, collecting every problem with its location rather than stopping at the first.
/// Invalid addresses, unreadable or malformed CSV, a missing DisplayName and a list without subscribers
/// source are errors; duplicate addresses (ignoring case) are warnings and kept once.
/// </summary>
public sealed class MailingListLoader
{
    /// <summary>After this many errors (or warnings) in one list the rest are summarised in one line.</summary>
    public const int MaxProblemsPerList = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ListsOptions _options;
    private readonly string _baseDirectory;

    public MailingListLoader(IOptions<ListsOptions> options, IHostEnvironment? environment = null)
        : this(options.Value, environment?.ContentRootPath ?? System.IO.Directory.GetCurrentDirectory())
    {
    }

    /// <param name="baseDirectory">Directory that relative <see cref="MailingListOptions.SubscribersFile"/> paths are resolved against.</param>
    public MailingListLoader(ListsOptions options, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        _options = options;
        _baseDirectory = baseDirectory;
    }

    /// <summary>Loads and validates every list. Reads CSV files as a stream. Never throws for bad content; see the result's Errors.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public MailingListLoadResult Load(CancellationToken ct = default)
    {
        var lists = new List<MailingList>();
        var errors = new List<ListProblem>();
        var warnings = new List<ListProblem>();

        foreach (var (name, list) in _options.Lists.OrderBy(l => l.Key, StringComparer.OrdinalIgnoreCase))
        {
            ct.ThrowIfCancellationRequested();
            var loaded = LoadOne(name, list, ct);
            errors.AddRange(loaded.Errors.Problems);
            warnings.AddRange(loaded.Warnings.Problems);
            if (loaded.List is not null)
                lists.Add(loaded.List);
        }

        return new MailingListLoadResult(lists, errors, warnings);
    }

    private (MailingList? List, ProblemLog Errors, ProblemLog Warnings) LoadOne(string name, MailingListOptions? options, CancellationToken ct)
    {
        var key = $"{ListsOptions.SectionName}:{name}";
        var errors = new ProblemLog(name);
        var warnings = new ProblemLog(name);

        if (!IsUsableListName(name))
            errors.Add(key, name, "is not a usable list name: use letters, digits, '-' and '_' only (it appears on the command line and in List-Id). Rename the key.");

        if (string.IsNullOrWhiteSpace(options?.DisplayName))
            errors.Add($"{key}:DisplayName", null, "is required: the name readers see, e.g. \"Weekly readers\".");

        var hasInline = options?.Subscribers is { Count: > 0 };
        var hasFile = !string.IsNullOrWhiteSpace(options?.SubscribersFile);
        if (!hasInline && !hasFile)
            errors.Add(key, null, "has neither Subscribers nor SubscribersFile. Add inline Subscribers (Email, Name) or set SubscribersFile to a CSV with the header row email,name.");

        var subscribers = new List<Subscriber>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        if (hasInline)
        {
            for (var i = 0; i < options!.Subscribers!.Count; i++)
            {
                var entry = options.Subscribers[i];
                var at = $"{key}:Subscribers:{i}:Email";
                Accept(entry?.Email, entry?.Name, at, at, subscribers, seen, errors, warnings);
            }
        }

        if (hasFile)
            ReadCsv(name, options!.SubscribersFile!, subscribers, seen, errors, warnings, ct);

        if (errors.Count > 0)
            return (null, errors, warnings);

        if (subscribers.Count == 0)
            warnings.Add(key, null, "has no subscribers; sending to it does nothing.");

        return (new MailingList(name, options!.DisplayName!.Trim(), subscribers), errors, warnings);
    }

    private void ReadCsv(string listName, string file, List<Subscriber> subscribers, Dictionary<string, string> seen,
        ProblemLog errors, ProblemLog warnings, CancellationToken ct)
    {
        var path = Path.GetFullPath(file, _baseDirectory);
        var where = $"{file} (list '{listName}')";
        string Line(int line) => $"{file} line {line} (list '{listName}')";

        if (!File.Exists(path))
        {
            errors.Add(where, null, $"file not found (looked for {path}). Create it with the header row email,name, or fix {ListsOptions.SectionName}:{listName}:SubscribersFile.");
            return;
        }

        CsvRecordReader? csv = null;
        try
        {
            using var reader = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 64 * 1024 });
            csv = new CsvRecordReader(reader);

            var header = ReadRecordOrReport(csv, Line, errors, out var fatal);
            if (fatal)
                return;
            if (header is null)
            {
                errors.Add(where, null, "is empty; the first line must be the header row email,name.");
                return;
            }

            var emailColumn = header.FindIndex(h => h.Trim().Equals("email", StringComparison.OrdinalIgnoreCase));
            var nameColumn = header.FindIndex(h => h.Trim().Equals("name", StringComparison.OrdinalIgnoreCase));
            if (emailColumn < 0)
            {
                errors.Add(Line(csv.RecordLine), string.Join(",", header), "is not a header row with an 'email' column; the first line must be email,name (name is optional).");
                return;
            }

            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var record = ReadRecordOrReport(csv, Line, errors, out fatal);
                if (fatal || record is null)
                    return;
                if (record is { Count: 0 })
                    continue; // a malformed line, already reported

                var email = emailColumn < record.Count ? record[emailColumn] : null;
                var name = nameColumn >= 0 && nameColumn < record.Count ? record[nameColumn] : null;
                var at = Line(csv.RecordLine);
                Accept(email, name, at, $"line {csv.RecordLine}", subscribers, seen, errors, warnings);
            }
        }
        catch (DecoderFallbackException)
        {
            errors.Add(Line(csv?.CurrentLine ?? 1), null, "is not valid UTF-8. Save the file as UTF-8.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(where, null, $"could not be read ({path}): {e.Message}");
        }
    }

    /// <summary>Reads a record; a malformed one is reported and comes back empty (or, when the rest of the file is lost, <paramref name="fatal"/> is set).</summary>
    private static List<string>? ReadRecordOrReport(CsvRecordReader csv, Func<int, string> line, ProblemLog errors, out bool fatal)
    {
        fatal = false;
        try
        {
            return csv.ReadRecord();
        }
        catch (CsvFormatException e)
        {
            errors.Add(line(e.Line), null, e.Reason + (e.CanContinue ? ". Fix the line." : ". Close the quote; nothing after this line was read."));
            fatal = !e.CanContinue;
            return [];
        }
    }

    private static void Accept(string? rawEmail, string? rawName, string at, string shortPosition,
        List<Subscriber> subscribers, Dictionary<string, string> seen, ProblemLog errors, ProblemLog warnings)
    {
        if (!EmailAddressRules.TryNormalize(rawEmail, out var email, out var reason))
        {
            errors.Add(at, rawEmail is null ? null : rawEmail, reason + ". Fix or remove the entry.");
            return;
        }

        if (!seen.TryAdd(email, shortPosition))
        {
            warnings.Add(at, email, $"duplicates {seen[email]} (addresses are compared ignoring case); kept the first, ignored this one.");
            return;
        }

        var name = string.IsNullOrWhiteSpace(rawName) ? null : rawName.Trim();
        subscribers.Add(new Subscriber(email, name));
    }

    private static bool IsUsableListName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0]))
            return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
                return false;
        }

        return true;
    }

    /// <summary>Collects problems for one list, summarising beyond <see cref="MaxProblemsPerList"/>.</summary>
    private sealed class ProblemLog(string listName)
    {
        private readonly List<ListProblem> _problems = [];
        private int _dropped;

        public int Count => _problems.Count + _dropped;

        public IEnumerable<ListProblem> Problems => _dropped == 0
            ? _problems
            : _problems.Append(new ListProblem(listName, $"{ListsOptions.SectionName}:{listName}", null, $"{_dropped} more like the above were not listed."));

        public void Add(string entry, string? value, string reason)
        {
            if (_problems.Count < MaxProblemsPerList)
                _problems.Add(new ListProblem(listName, entry, value, reason));
            else
                _dropped++;
        }
    }
}
