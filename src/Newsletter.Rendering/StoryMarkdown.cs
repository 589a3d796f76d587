using System.Text;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Newsletter.Core.Stories;

namespace Newsletter.Rendering;

/// <summary>
/// Turns a story's summary Markdown into HTML for the HTML email and into plain text (links
/// become numbered references) for the text email. A link or image whose target <see cref="StoryLinks"/> does not allow
/// (<c>javascript:</c> and the like) becomes its plain text: import refuses such summaries, but stories added with
/// <c>stories add</c> or stored before that check must not carry script into an email or onto the archive pages.
/// </summary>
public static class StoryMarkdown
{
    // Raw HTML in a summary is shown as text, not passed through: the summary is the one story field
    // that is not escaped by Razor, so it must not become a way to inject markup.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .Build();

    /// <summary>The summary as an HTML fragment (paragraphs, emphasis, links, code, lists).</summary>
    /// <param name="links">When clicks are counted, the tracked URL of each story link; its text stays as written.</param>
    public static string ToHtml(string markdown, IssueLinks? links = null)
    {
        var document = Parse(markdown, links);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().Trim();
    }

    /// <summary>The summary's http and https links (not images, not <c>mailto:</c>), in order: the ones click tracking counts.</summary>
    public static IEnumerable<Uri> WebLinks(string? markdown)
    {
        var document = Parse(markdown, links: null);
        foreach (var inline in document.Descendants<Inline>())
        {
            var url = inline switch
            {
                LinkInline { IsImage: false } link => link.Url,
                AutolinkInline { IsEmail: false } autolink => autolink.Url,
                _ => null,
            };
            if (url is not null && (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                && Uri.TryCreate(url, UriKind.Absolute, out var parsed))
                yield return parsed;
        }
    }

    /// <summary>
    /// Parses the summary and turns every link and image that <see cref="StoryLinks"/> does not allow into its text; with
    /// <paramref name="links"/>, points each story link at its tracked URL, keeping the text the reader sees.
    /// </summary>
    private static MarkdownDocument Parse(string? markdown, IssueLinks? links)
    {
        var document = Markdown.Parse(markdown ?? "", Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (link.IsImage ? StoryLinks.IsAllowedImage(link.Url) : StoryLinks.IsAllowedLink(link.Url)) continue;
            // The link's text (an image's alt text) takes its place.
            while (link.FirstChild is { } child)
            {
                child.Remove();
                link.InsertBefore(child);
            }
            link.Remove();
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (StoryLinks.IsAllowedLink(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url)) continue;
            autolink.ReplaceBy(new LiteralInline(autolink.Url));
        }
        if (links is not null) Track(document, links);
        return document;
    }

    private static void Track(MarkdownDocument document, IssueLinks links)
    {
        foreach (var link in document.Descendants<LinkInline>().Where(l => !l.IsImage).ToList())
        {
            if (links.TrackedOrNull(link.Url) is not { } tracked) continue;
            link.Url = tracked.AbsoluteUri;
            // A bare URL keeps showing itself as written, and the text part gives it a reference like any other link.
            link.IsAutoLink = false;
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().Where(a => !a.IsEmail).ToList())
        {
            if (links.TrackedOrNull(autolink.Url) is not { } tracked) continue;
            var link = new LinkInline(tracked.AbsoluteUri, "");
            link.AppendChild(new LiteralInline(autolink.Url));
            autolink.ReplaceBy(link);
        }
    }

    /// <summary>
    /// The summary as plain text: one line per paragraph or list item (the caller wraps them), paragraphs
    /// separated by a blank line, each line prefixed by <paramref name="indent"/>. A link's text is followed
    /// by its reference number from <paramref name="references"/>.
    /// </summary>
    public static string ToPlainText(string markdown, LinkReferences references, string indent = "", IssueLinks? links = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        var document = Parse(markdown, links);
        var paragraphs = new List<string>();
        foreach (var block in document)
            AppendBlock(block, references, "", paragraphs);
        return string.Join("\n\n", paragraphs.Select(p => string.Join('\n', p.Split('\n').Select(l => indent + l))));
    }

    private static void AppendBlock(Block block, LinkReferences references, string prefix, List<string> paragraphs)
    {
        switch (block)
        {
            case LeafBlock { Inline: not null } leaf:
                paragraphs.Add(prefix + Inlines(leaf.Inline, references).Trim());
                break;
            case LeafBlock leaf: // code blocks and the like: keep their lines as written
                paragraphs.Add(string.Join('\n', leaf.Lines.Lines.Take(leaf.Lines.Count).Select(l => prefix + "    " + l.Slice.ToString())));
                break;
            case ListBlock list:
                var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                var items = new List<string>();
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var marker = list.IsOrdered ? $"{number++}. " : "- ";
                    var inner = new List<string>();
                    foreach (var child in item)
                        AppendBlock(child, references, "", inner);
                    items.Add(prefix + marker + string.Join(" ", inner));
                }
                paragraphs.Add(string.Join('\n', items));
                break;
            case QuoteBlock quote:
                foreach (var child in quote)
                    AppendBlock(child, references, prefix + "> ", paragraphs);
                break;
            case ContainerBlock container:
                foreach (var child in container)
                    AppendBlock(child, references, prefix, paragraphs);
                break;
        }
    }

    private static string Inlines(ContainerInline container, LinkReferences references)
    {
        var text = new StringBuilder();
        AppendInlines(container, references, text);
        return text.ToString();
    }

    private static void AppendInlines(ContainerInline container, LinkReferences references, StringBuilder text)
    {
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    text.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    text.Append('`').Append(code.Content).Append('`');
                    break;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.ToString());
                    break;
                case HtmlInline html:
                    text.Append(html.Tag);
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case LinkInline { IsAutoLink: true } link:
                    text.Append(link.Url);
                    break;
                case LinkInline link:
                    AppendInlines(link, references, text);
                    if (StoryLinks.IsAllowedLink(link.Url) && Uri.TryCreate(link.Url, UriKind.Absolute, out var url))
                        text.Append(" [").Append(references.Add(url)).Append(']');
                    break;
                case ContainerInline nested: // emphasis and friends: plain text has no bold
                    AppendInlines(nested, references, text);
                    break;
            }
        }
    }
}
