using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Signups;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// A running worker with a list that takes signups (<see cref="ListName"/>, five configured readers, signup form on), sending
/// over real SMTP to the in-process test server on 127.0.0.1. Each test uses addresses of its own.
/// </summary>
public sealed partial class SignupWorker : IAsyncDisposable
{
    public const string ListName = "readers";
    public const string ConsentText = "Send me the weekly issue. I can unsubscribe at any time.";

    private readonly bool _ownsSmtp;

    private SignupWorker(TestEnvironment environment, TestSmtpServer smtp, bool ownsSmtp, RunningWorker worker, IReadOnlyList<string> configured)
    {
        _ownsSmtp = ownsSmtp;
        Environment = environment;
        Smtp = smtp;
        Worker = worker;
        Configured = configured;
    }

    public TestEnvironment Environment { get; }

    public TestSmtpServer Smtp { get; }

    public RunningWorker Worker { get; }

    /// <summary>The addresses the list's CSV file holds.</summary>
    public IReadOnlyList<string> Configured { get; }

    public ISignupStore Signups => Worker.Services.GetRequiredService<ISignupStore>();

    /// <param name="clientLimit">Signup forms one client may send per 10 minutes.</param>
    /// <param name="configure">Last changes to the settings (another store, say).</param>
    /// <param name="smtp">A server shared with another worker (left running on dispose); by default one of its own.</param>
    public static async Task<SignupWorker> StartAsync(int clientLimit = 1000, Action<TestEnvironment>? configure = null, TestSmtpServer? smtp = null)
    {
        var environment = new TestEnvironment();
        var ownSmtp = smtp is null;
        smtp ??= new TestSmtpServer();
        if (ownSmtp) await smtp.StartAsync();
        environment.UseSmtp(smtp.Port);
        var configured = environment.AddCsvList(ListName, 5);
        environment.Settings[$"Newsletter:Lists:{ListName}:Signup:Enabled"] = "true";
        environment.Settings[$"Newsletter:Lists:{ListName}:Signup:ConsentText"] = ConsentText;
        environment.Settings["Newsletter:Signup:ClientLimit"] = clientLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment.Settings["Newsletter:Schedule:Enabled"] = "false";
        configure?.Invoke(environment);
        var worker = await RunningWorker.StartAsync(environment);
        return new SignupWorker(environment, smtp, ownSmtp, worker, configured);
    }

    /// <summary>Posts the list's signup form as a browser would, from <paramref name="origin"/> when given (a form pasted on another site).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string email, string? name = null, string? honeypot = null, string? origin = null, string list = ListName)
    {
        using var client = Worker.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signup/" + list)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = email,
                ["name"] = name ?? "",
                ["website"] = honeypot ?? "",
                ["consent"] = Core.Signups.ListSignup.HashOf(ConsentText),
            }),
        };
        if (origin is not null) request.Headers.Add("Origin", origin);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>The <paramref name="nth"/> mail to <paramref name="email"/> (the first by default), waited for.</summary>
    public async Task<MimeKit.MimeMessage> WaitForMailToAsync(string email, int nth = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (MailsTo(email).Skip(nth - 1).FirstOrDefault() is { } mail) return mail.Parse();
            await Task.Delay(50);
        }
        throw new TimeoutException($"No mail to {email} within {timeout ?? TimeSpan.FromSeconds(30)}; received: " +
                                   string.Join(", ", Smtp.Received.SelectMany(m => m.EnvelopeTo)));
    }

    public IReadOnlyList<ReceivedSmtpMessage> MailsTo(string email) =>
        Smtp.Received.Where(m => m.EnvelopeTo.Any(to => string.Equals(to, email, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>
    /// Proves that no confirmation mail to <paramref name="email"/> is on its way: mails go out one at a time in the order they
    /// were asked for, so once a signup asked for afterwards has been mailed, an earlier one would have been too.
    /// </summary>
    public async Task AssertNoMailToAsync(string email)
    {
        var sentinel = $"sentinel-{Guid.NewGuid():N}@example.net";
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(sentinel)).StatusCode);
        await WaitForMailToAsync(sentinel);
        Assert.Empty(MailsTo(email));
    }

    /// <summary>The confirmation link of a mail, pointed at this worker instead of the public base URL.</summary>
    public Uri ConfirmLinkIn(MimeKit.MimeMessage mail)
    {
        var url = ConfirmLink().Match(mail.TextBody ?? "").Value;
        Assert.False(string.IsNullOrEmpty(url), "the mail has no confirmation link:\n" + mail.TextBody);
        return new Uri(Worker.BaseAddress, new Uri(url).AbsolutePath);
    }

    /// <summary>Fills the form, waits for the mail, and presses Confirm over HTTP: the reader has joined.</summary>
    public async Task<Uri> JoinAsync(string email, string? name = null)
    {
        var before = MailsTo(email).Count;
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(email, name)).StatusCode);
        var link = ConfirmLinkIn(await WaitForMailToAsync(email, before + 1));
        using var client = Worker.Client();
        using var confirmed = await client.PostAsync(link, null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return link;
    }

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        if (_ownsSmtp) await Smtp.DisposeAsync();
        Environment.Dispose();
    }

    [GeneratedRegex(@"https://\S+/signup/confirm/\S+")]
    private static partial Regex ConfirmLink();
}
