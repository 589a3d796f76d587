using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>
/// Turns the <c>Newsletter:Lists</c> configuration (inline subscribers and CSV files) into validated
/// <see cref="MailingList"/>s, collecting every problem with its location rather than stopping at the first.
/// Invalid addresses, unreadable or malformed CSV, a missing DisplayName and a list without subscribers
/// source are errors; duplicate addresses (the same <see cref="EmailKey"/>) are warnings and kept once.
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
        var signupEnabled = options?.Signup is { Enabled: true };
        if (signupEnabled && string.IsNullOrWhiteSpace(options!.Signup!.ConsentText))
            errors.Add($"{key}:Signup:ConsentText", null, "is required when Signup:Enabled is true: what the reader agrees to, e.g. \"Send me the weekly issue. I can unsubscribe at any time.\"");

        // A list that grows only through its signup form may start empty.
        if (!hasInline && !hasFile && !signupEnabled)
            errors.Add(key, null, "has neither Subscribers nor SubscribersFile. Add inline Subscribers (Email, Name) or set SubscribersFile to a CSV with the header row email,name.");

        var seen = new AddressSet(remember: true);
        var count = 0;
        void Count(Subscriber _) => count++;

        if (hasInline)
        {
            ReadInline(key, options!, seen, errors, warnings, Count);
        }

        if (hasFile)
            ReadCsv(name, options!.SubscribersFile!, seen, errors, warnings, Count, ct);

        if (errors.Count > 0)
            return (null, errors, warnings);

        if (count == 0 && !signupEnabled)
            warnings.Add(key, null, "has no subscribers; sending to it does nothing.");

        return (new MailingList(name, options!.DisplayName!.Trim(), Enumerate(name, key, options, hasInline, hasFile), count), errors, warnings);
    }

    /// <summary>
    /// The list's subscribers read afresh from the config and the CSV file on each enumeration, with the same rules as
    /// validation (entries that became invalid since are skipped), so nothing holds the whole list.
    /// </summary>
    private IEnumerable<Subscriber> Enumerate(string name, string key, MailingListOptions options, bool hasInline, bool hasFile)
    {
        var seen = new AddressSet(remember: false);
        var ignored = new ProblemLog(name);
        var batch = new List<Subscriber>();
        if (hasInline)
        {
            ReadInline(key, options, seen, ignored, ignored, batch.Add);
            foreach (var subscriber in batch)
                yield return subscriber;
        }

        if (!hasFile)
            yield break;

        foreach (var subscriber in ReadCsvLazily(name, options.SubscribersFile!, seen, ignored))
            yield return subscriber;
    }

    private IEnumerable<Subscriber> ReadCsvLazily(string listName, string file, AddressSet seen, ProblemLog ignored)
    {
        var path = Path.GetFullPath(file, _baseDirectory);
        using var reader = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 64 * 1024 });
        var csv = new CsvRecordReader(reader);
        string Line(int line) => $"{file} line {line} (list '{listName}')";
        var header = ReadRecordOrReport(csv, Line, ignored, out var fatal);
        var emailColumn = header?.FindIndex(h => h.Trim().Equals("email", StringComparison.OrdinalIgnoreCase)) ?? -1;
        if (fatal || emailColumn < 0)
            yield break;
        var nameColumn = header!.FindIndex(h => h.Trim().Equals("name", StringComparison.OrdinalIgnoreCase));
        while (ReadRecordOrReport(csv, Line, ignored, out fatal) is { } record && !fatal)
        {
            if (record.Count == 0)
                continue;
            Subscriber? accepted = null;
            Accept(emailColumn < record.Count ? record[emailColumn] : null, nameColumn >= 0 && nameColumn < record.Count ? record[nameColumn] : null,
                "", csv.RecordLine, seen, ignored, ignored, s => accepted = s, listName);
            if (accepted is not null)
                yield return accepted;
        }
    }

    private static void ReadInline(string key, MailingListOptions options, AddressSet seen, ProblemLog errors, ProblemLog warnings, Action<Subscriber> accept)
    {
        for (var i = 0; i < options.Subscribers!.Count; i++)
        {
            var entry = options.Subscribers[i];
            var at = $"{key}:Subscribers:{i}:Email";
            // Inline positions are stored negative so a duplicate can say whether the first was inline or in the file.
            Accept(entry?.Email, entry?.Name, at, -(i + 1), seen, errors, warnings, accept, key);
        }
    }

    private void ReadCsv(string listName, string file, AddressSet seen,
        ProblemLog errors, ProblemLog warnings, Action<Subscriber> accept, CancellationToken ct)
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
                Accept(email, name, at, csv.RecordLine, seen, errors, warnings, accept, $"{ListsOptions.SectionName}:{listName}");
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

    private static void Accept(string? rawEmail, string? rawName, string at, int position,
        AddressSet seen, ProblemLog errors, ProblemLog warnings, Action<Subscriber> accept, string listKey)
    {
        if (!EmailAddressRules.TryNormalize(rawEmail, out var email, out var reason))
        {
            errors.Add(at, rawEmail is null ? null : rawEmail, reason + ". Fix or remove the entry.");
            return;
        }

        if (seen.FirstPositionOf(email, position) is { } first)
        {
            var where = first < 0 ? $"{listKey}:Subscribers:{-first - 1}:Email" : $"line {first}";
            warnings.Add(at, email, $"duplicates {where} (addresses are compared ignoring case, in any script); kept the first, ignored this one.");
            return;
        }

        var name = string.IsNullOrWhiteSpace(rawName) ? null : rawName.Trim();
        accept(new Subscriber(email, name));
    }

    /// <summary>
    /// The addresses seen so far, as 64-bit hashes of their <see cref="EmailKey"/> rather than strings: a 200,000-line list
    /// costs a few megabytes. Two different addresses sharing a hash is about a one-in-a-billion event at that size.
    /// </summary>
    private sealed class AddressSet(bool remember)
    {
        private readonly Dictionary<ulong, int> _positions = [];
        private readonly HashSet<ulong> _hashes = [];

        /// <summary>Records the address; returns the position it was first seen at when it is a duplicate.</summary>
        public int? FirstPositionOf(string email, int position)
        {
            var hash = Hash(email);
            if (remember)
            {
                if (_positions.TryGetValue(hash, out var first))
                    return first;
                _positions[hash] = position;
                return null;
            }
            return _hashes.Add(hash) ? null : 0;
        }

        private static ulong Hash(string email)
        {
            // FNV-1a over the key, the same form the store matches on: stable across processes, unlike string.GetHashCode.
            var hash = 14695981039346656037UL;
            foreach (var c in EmailKey.Of(email).Value)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }
            return hash;
        }
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
