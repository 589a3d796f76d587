using Newsletter.Rendering;

namespace Newsletter.Tests.Rendering;

public sealed class TextWrapperTests
{
    [Fact]
    public void Wrap_LeavesLine_WhenWithinWidth()
    {
        Assert.Equal("short line", TextWrapper.Wrap("short line"));
    }

    [Fact]
    public void Wrap_BreaksAtSpaces_WhenLineIsLongerThanWidth()
    {
        var wrapped = TextWrapper.Wrap("aaaa bbbb cccc dddd eeee ffff", width: 20);

        Assert.Equal("aaaa bbbb cccc dddd\neeee ffff", wrapped);
    }

    [Fact]
    public void Wrap_NeverBreaksUrl_WhenUrlIsLongerThanWidth()
    {
        var url = "https://example.org/" + new string('x', 80);

        var wrapped = TextWrapper.Wrap($"see {url} now");

        Assert.Equal($"see\n{url}\nnow", wrapped);
    }

    [Fact]
    public void Wrap_HangsContinuationUnderListMarker_WhenLineStartsWithNumber()
    {
        var wrapped = TextWrapper.Wrap("1. aaaa bbbb cccc dddd eeee ffff", width: 20);

        Assert.Equal("1. aaaa bbbb cccc\n   dddd eeee ffff", wrapped);
    }

    [Fact]
    public void Wrap_KeepsIndent_WhenLineIsIndented()
    {
        var wrapped = TextWrapper.Wrap("   → aaaa bbbb cccc dddd eeee", width: 20);

        Assert.Equal("   → aaaa bbbb cccc\n     dddd eeee", wrapped);
    }
}
