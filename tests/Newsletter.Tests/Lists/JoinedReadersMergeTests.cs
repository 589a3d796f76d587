using Newsletter.Core.Lists;

namespace Newsletter.Tests.Lists;

public class JoinedReadersMergeTests
{
    [Fact]
    public void WithJoined_AddsJoinedReadersAfterTheConfiguredOnes_OnceEachByEmailKey()
    {
        var configured = new MailingList("weekly", "Weekly", [new Subscriber("Ada@Example.com", "Ada"), new Subscriber("bob@example.com", null)]);

        var merged = configured.WithJoined([new Subscriber("ada@example.com", "Ada from the web"), new Subscriber("carol@example.com", "Carol")]);

        Assert.Equal([("Ada@Example.com", "Ada"), ("bob@example.com", null), ("carol@example.com", "Carol")],
            merged.Subscribers.Select(s => (s.Email, s.Name)));
    }

    [Fact]
    public void WithJoined_YieldsTheSameReadersOnEveryEnumeration()
    {
        var merged = new MailingList("weekly", "Weekly", [new Subscriber("a@x.test", null)]).WithJoined([new Subscriber("b@x.test", null)]);

        Assert.Equal(merged.Subscribers.Select(s => s.Email), merged.Subscribers.Select(s => s.Email));
        Assert.Equal(2, merged.Subscribers.Count());
    }
}
