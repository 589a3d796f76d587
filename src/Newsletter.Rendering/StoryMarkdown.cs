using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Newsletter.Rendering;

/// <summary>
/// Turns a story's summary Markdown into HTML for the HTML email and into plain text (links
/// become numbered references) for the text email.
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
    public static string ToHtml(string markdown) => Markdown.ToHtml(markdown ?? "", Pipeline).Trim();

    /// <summary>
    /// The summary as plain text: one line per paragraph or list item (the caller wraps them), paragraphs
    /// separated by a blank line, each line prefixed by <paramref name="indent"/>. A link's text is followed
    /// by its reference number from <paramref name="references"/>.
    /// </summary>
    public static string ToPlainText(string markdown, LinkReferences references, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(references);
        var document = Markdown.Parse(markdown ?? "", Pipeline);
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
                    if (Uri.TryCreate(link.Url, UriKind.Absolute, out var url))
                        text.Append(" [").Append(references.Add(url)).Append(']');
                    break;
                case ContainerInline nested: // emphasis and friends: plain text has no bold
                    AppendInlines(nested, references, text);
                    break;
            }
        }
    }
}
