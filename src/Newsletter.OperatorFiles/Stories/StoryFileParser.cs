using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Newsletter.Core.Stories;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Newsletter.OperatorFiles.Stories;

/// <summary>
/// Reads a story file: YAML front matter between two <c>---</c> lines, then the summary in Markdown.
/// Pure: no I/O. Every error names the file, the line and the fix.
/// </summary>
public static partial class StoryFileParser
{
    /// <summary>The keys a story file may use, in the order the errors list them.</summary>
    public static readonly IReadOnlyList<string> AllowedKeys =
        ["slug", "section", "title", "date", "source", "url", "takeaway", "featured", "priority", "tags", "venue"];

    private static readonly string[] RequiredKeys = ["section", "title", "date", "source"];

    private static readonly Dictionary<string, string> Examples = new(StringComparer.Ordinal)
    {
        ["section"] = "section: news",
        ["title"] = "title: \"Google Releases Gemma 4\"",
        ["date"] = "date: 2026-04-02",
        ["source"] = "source: Google Blog",
    };

    private static readonly Dictionary<string, StorySection> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["intro"] = StorySection.Intro,
        ["news"] = StorySection.News,
        ["papers"] = StorySection.Papers,
        ["media"] = StorySection.Media,
        ["closing"] = StorySection.Closing,
    };

    /// <summary>Parses one story file.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="path">The file's path, used in errors and, without its extension, as the default slug.</param>
    /// <exception cref="StoryFileException">The file is not a valid story; the message says where and how to fix it.</exception>
    public static Story Parse(string text, string path) => ParseFile(text, path).Story;

    internal static ParsedStoryFile ParseFile(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);

        var lines = text.TrimStart('\uFEFF').ReplaceLineEndings("\n").Split('\n');
        if (lines[0].TrimEnd() != "---")
        {
            throw new StoryFileException(path, 1,
                "the file does not start with front matter; make the first line '---', then the keys (section, title, date, source), then another '---' line, then the summary.");
        }

        var closing = Array.FindIndex(lines, 1, l => l.TrimEnd() == "---");
        if (closing < 0)
        {
            throw new StoryFileException(path, 1, "the front matter opened on this line is never closed; add a line '---' after the last key.");
        }

        var yaml = string.Join('\n', lines[1..closing]);
        var keys = ReadKeys(yaml, path);
        CheckCharacters(keys, path);
        var rawBody = string.Join('\n', lines[(closing + 1)..]);
        var body = rawBody.Trim('\n', '\r', ' ', '\t');

        var missing = RequiredKeys.Where(k => !keys.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new StoryFileException(path, 1,
                $"missing required {(missing.Count == 1 ? "key" : "keys")} {string.Join(", ", missing.Select(k => $"'{k}'"))}; add {(missing.Count == 1 ? "it" : "them")} to the front matter, e.g. {string.Join(", ", missing.Select(k => Examples[k]))}.");
        }

        var section = Required(keys, "section", path);
        if (!Sections.TryGetValue(section.Text, out var storySection))
        {
            throw new StoryFileException(path, section.Line,
                $"section '{section.Text}' is not one of {string.Join(", ", Sections.Keys)}; write one of them.");
        }

        var title = Required(keys, "title", path);
        if (title.Text.Length > StoryLimits.MaxTitleLength)
        {
            throw new StoryFileException(path, title.Line,
                $"the title is {title.Text.Length} characters; the limit is {StoryLimits.MaxTitleLength} (it becomes the subject line). Shorten it.");
        }

        var date = Required(keys, "date", path);
        if (!DateOnly.TryParseExact(date.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var storyDate))
        {
            throw new StoryFileException(path, date.Line, $"date '{date.Text}' is not a date; write it as YYYY-MM-DD.");
        }

        var source = Required(keys, "source", path);

        var (slug, slugLine) = Slug(keys, path);

        Uri? url = null;
        if (Optional(keys, "url", path) is { } urlValue)
        {
            if (!Uri.TryCreate(urlValue.Text, UriKind.Absolute, out url) || !StoryLinks.IsAllowedStoryUrl(url) || !StoryLinks.IsAllowedLink(urlValue.Text))
            {
                throw new StoryFileException(path, urlValue.Line,
                    $"url '{urlValue.Text}' is not a full web address; write it with its scheme, e.g. https://example.com/article, or leave the key out.");
            }
        }

        var featured = false;
        if (Optional(keys, "featured", path) is { } featuredValue && !bool.TryParse(featuredValue.Text, out featured))
        {
            throw new StoryFileException(path, featuredValue.Line, $"featured '{featuredValue.Text}' must be true or false.");
        }

        var priority = 0;
        if (Optional(keys, "priority", path) is { } priorityValue
            && !int.TryParse(priorityValue.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority))
        {
            throw new StoryFileException(path, priorityValue.Line, $"priority '{priorityValue.Text}' must be a whole number, e.g. 10 (higher comes first).");
        }

        if (body.Length == 0)
        {
            throw new StoryFileException(path, closing + 1, "the summary is empty; write the story's summary in Markdown below this '---' line.");
        }

        if (Encoding.UTF8.GetByteCount(body) is var size && size > StoryLimits.MaxSummaryBytes)
        {
            throw new StoryFileException(path, closing + 2,
                $"the summary is {size / 1024} KB; the limit is {StoryLimits.MaxSummaryBytes / 1024} KB. Shorten it to a few paragraphs and link to the full text with 'url:'.");
        }

        // The summary starts on the line after the closing '---', past any blank lines the trim removed.
        var leadingLines = rawBody[..(rawBody.Length - rawBody.TrimStart('\n', '\r', ' ', '\t').Length)].Count(c => c == '\n');
        var summaryLine = closing + 2 + leadingLines;
        if (StoryCharacters.IndexOfForbidden(body, allowLineBreaks: true) is var at and >= 0)
        {
            throw new StoryFileException(path, summaryLine + body.AsSpan(0, at).Count('\n'), ForbiddenCharacter("the summary", body[at]));
        }

        StorySummaryCheck.Check(body, path, summaryLine);

        var story = new Story(
            slug,
            storySection,
            title.Text,
            storyDate,
            source.Text,
            url,
            body,
            Optional(keys, "takeaway", path)?.Text,
            featured,
            priority,
            keys.TryGetValue("tags", out var tags) ? tags.Items ?? [] : [],
            Optional(keys, "venue", path)?.Text);
        return new ParsedStoryFile(story, slugLine);
    }

    /// <summary>Refuses control characters and bidirectional overrides in every front-matter value (see <see cref="StoryCharacters"/>).</summary>
    private static void CheckCharacters(Dictionary<string, YamlValue> keys, string path)
    {
        foreach (var (key, value) in keys)
        {
            foreach (var text in value.Items ?? [value.Text])
            {
                if (StoryCharacters.IndexOfForbidden(text, allowLineBreaks: false) is var at and >= 0)
                {
                    throw new StoryFileException(path, value.Line, ForbiddenCharacter(key, text[at]));
                }
            }
        }
    }

    private static string ForbiddenCharacter(string where, char c) =>
        $"{where} holds the character {StoryCharacters.Describe(c)}, which would hide or reorder what readers see (or cannot be stored); remove it.";

    private static (string Slug, int Line) Slug(Dictionary<string, YamlValue> keys, string path)
    {
        if (Optional(keys, "slug", path) is { } given)
        {
            if (given.Text.Length > StoryLimits.MaxSlugLength)
            {
                throw new StoryFileException(path, given.Line,
                    $"the slug is {given.Text.Length} characters; the limit is {StoryLimits.MaxSlugLength} (it names the story in links and in the store). Shorten it.");
            }

            if (!SlugPattern().IsMatch(given.Text))
            {
                throw new StoryFileException(path, given.Line,
                    $"slug '{given.Text}' is not valid; use lowercase letters, digits and single hyphens, e.g. '{Slugify(given.Text)}'.");
            }

            return (given.Text, given.Line);
        }

        var fromName = System.IO.Path.GetFileNameWithoutExtension(path);
        if (fromName.Length > StoryLimits.MaxSlugLength)
        {
            throw new StoryFileException(path, 1,
                $"the file name gives a slug of {fromName.Length} characters; the limit is {StoryLimits.MaxSlugLength}. Rename the file, or add a shorter 'slug:' to the front matter.");
        }

        if (!SlugPattern().IsMatch(fromName))
        {
            var suggestion = Slugify(fromName);
            throw new StoryFileException(path, 1,
                $"the file name gives the slug '{fromName}', which is not valid (lowercase letters, digits and single hyphens); rename the file to {suggestion}.md or add 'slug: {suggestion}' to the front matter.");
        }

        return (fromName, 1);
    }

    private static YamlValue Required(Dictionary<string, YamlValue> keys, string key, string path)
    {
        var value = Optional(keys, key, path);
        if (value is null)
        {
            throw new StoryFileException(path, keys[key].Line, $"{key} is empty; give it a value, e.g. {Examples[key]}.");
        }

        return value;
    }

    private static YamlValue? Optional(Dictionary<string, YamlValue> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var value))
        {
            return null;
        }

        if (value.Items is not null)
        {
            throw new StoryFileException(path, value.Line, $"{key} must be a single value, not a list; write it on one line, e.g. {key}: some text.");
        }

        return string.IsNullOrWhiteSpace(value.Text) ? null : value;
    }

    /// <summary>Reads the front matter as flat keys: each value one scalar, or (for tags) a list of scalars.</summary>
    private static Dictionary<string, YamlValue> ReadKeys(string yaml, string path)
    {
        var keys = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        try
        {
            var parser = new Parser(new StringReader(yaml));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return keys;
            }

            parser.Consume<DocumentStart>();
            if (!parser.TryConsume<MappingStart>(out _))
            {
                throw new StoryFileException(path, FileLine(parser.Current!.Start),
                    "the front matter must be 'key: value' lines, e.g. title: \"Gemma 4 ships\".");
            }

            while (!parser.TryConsume<MappingEnd>(out _))
            {
                if (!parser.TryConsume<Scalar>(out var key))
                {
                    throw new StoryFileException(path, FileLine(parser.Current!.Start), "expected a key here; write 'key: value' lines.");
                }

                var line = FileLine(key.Start);
                if (!AllowedKeys.Contains(key.Value))
                {
                    var guess = AllowedKeys.MinBy(k => EditDistance(k, key.Value.ToLowerInvariant()))!;
                    var hint = EditDistance(guess, key.Value.ToLowerInvariant()) <= 2 ? $" (did you mean '{guess}'?)" : "";
                    throw new StoryFileException(path, line,
                        $"unknown key '{key.Value}'{hint}; the allowed keys are {string.Join(", ", AllowedKeys)}.");
                }

                if (keys.TryGetValue(key.Value, out var earlier))
                {
                    throw new StoryFileException(path, line, $"key '{key.Value}' is given twice (first on line {earlier.Line}); keep one.");
                }

                keys[key.Value] = ReadValue(parser, key.Value, line, path);
            }

            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _))
            {
                throw new StoryFileException(path, FileLine(parser.Current!.Start), "the front matter holds more than one YAML document; remove the extra '---' or '...' line.");
            }
        }
        catch (YamlException e)
        {
            throw new StoryFileException(path, FileLine(e.Start),
                $"{YamlProblem(e)}; check the syntax: a value containing ': ' or ' #', or starting with a quote, [, {{, &, *, !, |, > or %, must be in double quotes.", e);
        }

        return keys;
    }

    private static YamlValue ReadValue(Parser parser, string key, int line, string path)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var text = IsNull(scalar) ? "" : scalar.Value.Trim();
            return key == "tags"
                ? new YamlValue("", line, text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                : new YamlValue(text, line, null);
        }

        if (parser.TryConsume<SequenceStart>(out _))
        {
            if (key != "tags")
            {
                throw new StoryFileException(path, line, $"{key} must be a single value, not a list; write it on one line, e.g. {key}: some text.");
            }

            var items = new List<string>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (!parser.TryConsume<Scalar>(out var item))
                {
                    throw new StoryFileException(path, FileLine(parser.Current!.Start), "each tag must be a single word or phrase, e.g. tags: [open-models, google].");
                }

                if (!IsNull(item) && item.Value.Trim().Length > 0)
                {
                    items.Add(item.Value.Trim());
                }
            }

            return new YamlValue("", line, items);
        }

        throw new StoryFileException(path, line,
            $"{key} must be a single value, not nested keys; if the value contains ': ', put it in double quotes.");
    }

    private static bool IsNull(Scalar scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    // The YAML text starts on the file's line 2, after the opening '---'.
    private static int FileLine(Mark mark) => (int)mark.Line + 1;

    // YamlDotNet prefixes its messages with "(Line: 3, Col: 8, Idx: 40) - (Line: ...): "; the file:line prefix says that already.
    private static string YamlProblem(YamlException e)
    {
        var message = LocationPrefix().Replace(e.Message, "").Trim().TrimEnd('.');
        return message.Length == 0 ? "this is not valid YAML" : $"invalid YAML: {message}";
    }

    private static string Slugify(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-');
        }

        var slug = Hyphens().Replace(builder.ToString(), "-").Trim('-');
        return slug.Length == 0 ? "my-story" : slug;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Hyphens();

    [GeneratedRegex(@"^\(Line: [^)]*\) - \(Line: [^)]*\):\s*")]
    private static partial Regex LocationPrefix();

    /// <param name="Items">Set for list values (tags), null for single values.</param>
    private sealed record YamlValue(string Text, int Line, IReadOnlyList<string>? Items);
}

/// <summary>A parsed story and the line its slug came from (1 when taken from the file name).</summary>
internal sealed record ParsedStoryFile(Story Story, int SlugLine);
