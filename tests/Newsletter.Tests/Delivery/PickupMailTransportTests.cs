using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public class PickupMailTransportTests
{
    private static PickupMailTransport Transport(string root) =>
        new(Options.Create(new DeliveryOptions { PickupDirectory = "outbox" }), root);

    [Fact]
    public async Task SendAsync_WritesParseableEml_InIssueFolderNamedForRecipient()
    {
        using var folder = new TempFolder();
        var message = Builder().Build(Content(issue: 12), List, new Subscriber("Ada@Example.com", "Ada")).Message;
        await using var session = await Transport(folder.Path).OpenSessionAsync(CancellationToken.None);

        var result = await session.SendAsync(message, Envelope, CancellationToken.None);

        var path = Path.Combine(folder.Path, "outbox", "issue-0012", "ada@example.com.eml");
        Assert.Equal($"written to {path}", result);
        var parsed = MimeMessage.Load(path);
        Assert.Equal(message.MessageId, parsed.MessageId);
        Assert.Equal("Ada@Example.com", parsed.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task SendAsync_LeavesOnlyEmlFiles_WhenSeveralMessagesAreWritten()
    {
        using var folder = new TempFolder();
        await using var session = await Transport(folder.Path).OpenSessionAsync(CancellationToken.None);

        foreach (var subscriber in List.Subscribers)
            await session.SendAsync(Builder().Build(Content(), List, subscriber).Message, Envelope, CancellationToken.None);

        var files = Directory.GetFiles(Path.Combine(folder.Path, "outbox"), "*", SearchOption.AllDirectories);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".eml", f));
    }

    [Fact]
    public async Task SendAsync_WritesCrLfLineEndings_WhateverThePlatform()
    {
        using var folder = new TempFolder();
        await using var session = await Transport(folder.Path).OpenSessionAsync(CancellationToken.None);

        await session.SendAsync(Builder().Build(Content(), List, List.Subscribers.First()).Message, Envelope, CancellationToken.None);

        var bytes = await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(folder.Path, "outbox"), "*.eml", SearchOption.AllDirectories).Single());
        Assert.DoesNotContain("\n", bytes.Replace("\r\n", ""));
    }

    [Fact]
    public async Task SendAsync_WritesEnvelopeSenderAsReturnPathFirstLine()
    {
        using var folder = new TempFolder();
        await using var session = await Transport(folder.Path).OpenSessionAsync(CancellationToken.None);

        await session.SendAsync(Builder().Build(Content(), List, List.Subscribers.First()).Message, new MailboxAddress("", "bounces+ada=example.com@b.example.com"), CancellationToken.None);

        var path = Directory.GetFiles(Path.Combine(folder.Path, "outbox"), "*.eml", SearchOption.AllDirectories).Single();
        Assert.StartsWith("Return-Path: <bounces+ada=example.com@b.example.com>\r\n", await File.ReadAllTextAsync(path));
        Assert.Equal("<bounces+ada=example.com@b.example.com>", MimeMessage.Load(path).Headers[HeaderId.ReturnPath]);
    }

    [Fact]
    public void PathFor_KeepsFileInsideIssueFolder_WhenAddressHasPathCharacters()
    {
        using var folder = new TempFolder();
        var message = Builder().Build(Content(issue: 3), List, new Subscriber("a/b@example.com", null)).Message;

        var path = Transport(folder.Path).PathFor(message);

        Assert.Equal(Path.Combine(folder.Path, "outbox", "issue-0003"), Path.GetDirectoryName(path));
    }

    [Fact]
    public void Describe_NamesTheAbsoluteFolder()
    {
        Assert.Equal("pickup folder /srv/nl/outbox", Transport("/srv/nl").Describe());
    }
}
