using System.Globalization;
using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Hocon;

internal enum TokenKind
{
    EndOfFile,
    Newline,
    Whitespace,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Equals,
    Colon,
    PlusEquals,
    QuotedString,
    Unquoted,
    Substitution,
}

internal sealed record Token(TokenKind Kind, string Text, SourcePosition Position, SubstitutionPiece? Substitution = null)
{
    public string Describe() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Newline => "end of line",
        TokenKind.Whitespace => "whitespace",
        TokenKind.QuotedString => $"string \"{Shorten(Text)}\"",
        TokenKind.Unquoted => $"'{Shorten(Text)}'",
        TokenKind.Substitution => $"'{Substitution}'",
        _ => $"'{Text}'",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}

/// <summary>Turns scenario text into tokens; comments are dropped, newlines and whitespace are kept.</summary>
internal sealed class HoconLexer
{
    private const string Forbidden = "`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private int _i;
    private int _line = 1;
    private int _column = 1;

    private HoconLexer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static List<Token> Tokenize(string text, string file) => new HoconLexer(text, file).Run();

    private SourcePosition Here => new(_file, _line, _column);

    private char Peek(int ahead = 0) => _i + ahead < _text.Length ? _text[_i + ahead] : '\0';

    private bool AtEnd => _i >= _text.Length;

    private void Advance()
    {
        if (_text[_i] == '\n')
        {
            _line++;
            _column = 1;
        }
        else _column++;
        _i++;
    }

    private List<Token> Run()
    {
        var tokens = new List<Token>();
        while (!AtEnd)
        {
            var start = Here;
            var c = _text[_i];
            switch (c)
            {
                case '\n':
                    Advance();
                    tokens.Add(new Token(TokenKind.Newline, "\n", start));
                    break;
                case '#':
                    SkipComment();
                    break;
                case '/' when Peek(1) == '/':
                    SkipComment();
                    break;
                case '{': Single(tokens, TokenKind.LeftBrace, start); break;
                case '}': Single(tokens, TokenKind.RightBrace, start); break;
                case '[': Single(tokens, TokenKind.LeftBracket, start); break;
                case ']': Single(tokens, TokenKind.RightBracket, start); break;
                case ',': Single(tokens, TokenKind.Comma, start); break;
                case '=': Single(tokens, TokenKind.Equals, start); break;
                case ':': Single(tokens, TokenKind.Colon, start); break;
                case '+':
                    if (Peek(1) != '=')
                        throw new ScenarioException("unexpected '+'; quote values that contain '+'", start);
                    Advance();
                    Advance();
                    tokens.Add(new Token(TokenKind.PlusEquals, "+=", start));
                    break;
                case '"':
                    tokens.Add(Peek(1) == '"' && Peek(2) == '"' ? TripleQuoted(start) : Quoted(start));
                    break;
                case '$':
                    if (Peek(1) != '{')
                        throw new ScenarioException("unexpected '$'; a substitution is written ${path}, other values containing '$' must be quoted", start);
                    tokens.Add(Substitution(start));
                    break;
                default:
                    if (IsWhitespace(c)) tokens.Add(WhitespaceRun(start));
                    else if (Forbidden.Contains(c))
                        throw new ScenarioException($"unexpected '{c}'; quote values that contain '{c}'", start);
                    else tokens.Add(UnquotedRun(start));
                    break;
            }
        }
        tokens.Add(new Token(TokenKind.EndOfFile, "", Here));
        return tokens;
    }

    internal static bool IsWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private void Single(List<Token> tokens, TokenKind kind, SourcePosition start)
    {
        tokens.Add(new Token(kind, _text[_i].ToString(), start));
        Advance();
    }

    private void SkipComment()
    {
        while (!AtEnd && _text[_i] != '\n') Advance();
    }

    private Token WhitespaceRun(SourcePosition start)
    {
        var from = _i;
        while (!AtEnd && IsWhitespace(_text[_i])) Advance();
        return new Token(TokenKind.Whitespace, _text[from.._i], start);
    }

    private Token UnquotedRun(SourcePosition start)
    {
        var from = _i;
        while (!AtEnd)
        {
            var c = _text[_i];
            if (c == '\n' || IsWhitespace(c) || "{}[],=:+\"$#".Contains(c) || Forbidden.Contains(c)) break;
            if (c == '/' && Peek(1) == '/') break;
            Advance();
        }
        return new Token(TokenKind.Unquoted, _text[from.._i], start);
    }

    private Token Quoted(SourcePosition start)
    {
        Advance();
        var value = new StringBuilder();
        while (true)
        {
            if (AtEnd || _text[_i] == '\n')
                throw new ScenarioException($"unterminated string (opened at {start.Line}:{start.Column})", Here);
            var c = _text[_i];
            if (c == '"')
            {
                Advance();
                return new Token(TokenKind.QuotedString, value.ToString(), start);
            }
            if (c == '\\') value.Append(Escape(start));
            else
            {
                value.Append(c);
                Advance();
            }
        }
    }

    private char Escape(SourcePosition stringStart)
    {
        var at = Here;
        Advance();
        if (AtEnd || _text[_i] == '\n')
            throw new ScenarioException($"unterminated string (opened at {stringStart.Line}:{stringStart.Column})", Here);
        var c = _text[_i];
        Advance();
        switch (c)
        {
            case '"': return '"';
            case '\\': return '\\';
            case '/': return '/';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'u':
                if (_i + 4 <= _text.Length
                    && int.TryParse(_text.AsSpan(_i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    for (var k = 0; k < 4; k++) Advance();
                    return (char)code;
                }
                throw new ScenarioException("invalid escape: '\\u' must be followed by 4 hex digits", at);
            default:
                throw new ScenarioException($"invalid escape '\\{c}' in string; use \\\\ for a backslash", at);
        }
    }

    private Token TripleQuoted(SourcePosition start)
    {
        for (var k = 0; k < 3; k++) Advance();
        var from = _i;
        while (true)
        {
            if (AtEnd)
                throw new ScenarioException($"unterminated triple-quoted string (opened at {start.Line}:{start.Column})", Here);
            if (_text[_i] == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                // Quotes beyond the closing three belong to the string, as in HOCON.
                while (Peek(3) == '"') Advance();
                var value = _text[from.._i];
                for (var k = 0; k < 3; k++) Advance();
                return new Token(TokenKind.QuotedString, value, start);
            }
            Advance();
        }
    }

    private Token Substitution(SourcePosition start)
    {
        Advance();
        Advance();
        var optional = false;
        if (Peek() == '?')
        {
            optional = true;
            Advance();
        }
        var from = _i;
        var inQuotes = false;
        while (true)
        {
            if (AtEnd || _text[_i] == '\n')
                throw new ScenarioException($"unterminated substitution: expected '}}' (opened at {start.Line}:{start.Column})", Here);
            var c = _text[_i];
            if (inQuotes && c == '\\' && _i + 1 < _text.Length && _text[_i + 1] != '\n') Advance();
            else if (c == '"') inQuotes = !inQuotes;
            else if (c == '}' && !inQuotes) break;
            Advance();
        }
        var inner = _text[from.._i];
        Advance();
        var path = HoconPath.Parse(inner, start);
        return new Token(TokenKind.Substitution, inner, start, new SubstitutionPiece(path, optional, start));
    }
}
