using System.Text.Encodings.Web;

namespace Newsletter.Web;

/// <summary>The small self-contained pages of the web endpoints: no scripts, no external assets, every value HTML-encoded by the caller through <see cref="E"/>.</summary>
public static class HtmlPage
{
    /// <summary>Encodes text for HTML content and attribute values.</summary>
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static IResult Result(string title, string bodyHtml, int statusCode = StatusCodes.Status200OK) =>
        Results.Content(Render(title, bodyHtml), "text/html; charset=utf-8", System.Text.Encoding.UTF8, statusCode);

    public static string Render(string title, string bodyHtml) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{E(title)}}</title>
        <style>
          body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0; background: #f4f4f7; color: #1f2933; }
          main { max-width: 52rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; }
          h1 { font-size: 1.4rem; margin-top: 0; }
          button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: 6px; background: #4f46e5; color: #fff; cursor: pointer; }
          button.secondary { background: #e4e7eb; color: #1f2933; }
          button.danger { background: #b91c1c; }
          table { border-collapse: collapse; width: 100%; font-size: .9rem; }
          th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
          td.n { text-align: right; font-variant-numeric: tabular-nums; }
          form.inline { display: inline; }
          .note { color: #52606d; font-size: .9rem; }
          .alert { background: #fef2f2; border: 1px solid #fecaca; padding: .75rem 1rem; border-radius: 6px; white-space: pre-wrap; }
        </style>
        </head>
        <body><main>
        {{bodyHtml}}
        </main></body>
        </html>
        """;
}
