using System.Text;
using System.Text.RegularExpressions;

namespace PerfCluster.Core.Input;

/// <summary>
/// Error messages quote what the user gave (a key, a value, an argument) so the mistake can be found. Input can be
/// any size: a 10 MB line must not come back as a 10 MB message. <see cref="Shorten"/> cuts every quoted piece
/// longer than <see cref="MaxQuoted"/> characters to its start, an ellipsis and its length, and the whole message
/// to <see cref="MaxMessage"/> characters.
/// </summary>
public static partial class InputEcho
{
    public const int MaxQuoted = 80;
    public const int MaxMessage = 2_000;

    /// <summary>One piece of input as it may be quoted: whole when short, else its start and its length.</summary>
    public static string Cut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= MaxQuoted ? text : $"{text[..(MaxQuoted - 20)]}… ({text.Length:N0} characters)";
    }

    /// <summary>The message with each over-long quoted piece ('…' or "…") cut, and the message itself cut at its limit.</summary>
    public static string Shorten(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length <= MaxQuoted) return message;
        // Every quoted piece is matched, short ones too, so that quotes pair up left to right.
        var cut = Quoted().Replace(message, m => m.Groups["text"].Length <= MaxQuoted
            ? m.Value
            : $"{m.Groups["q"].Value}{Cut(m.Groups["text"].Value)}{m.Groups["q"].Value}");
        if (cut.Length <= MaxMessage) return cut;
        var builder = new StringBuilder(cut, 0, MaxMessage - 40, MaxMessage);
        builder.Append($"… ({cut.Length:N0} characters in all)");
        return builder.ToString();
    }

    /// <summary>A quote that opens after no letter and closes before none, so "the model's pool" holds no quote.</summary>
    [GeneratedRegex("""(?<!\w)(?<q>['"])(?<text>[^'"\r\n]*)\k<q>(?!\w)""", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();
}
