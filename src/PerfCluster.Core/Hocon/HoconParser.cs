using PerfCluster.Core.Input;
namespace PerfCluster.Core.Hocon;

/// <summary>Recursive descent over the token list; builds nodes, merges duplicate keys, leaves substitutions for later.</summary>
internal sealed class HoconParser
{
    internal const int MaxDepth = 64;

    private static readonly string[] IncludeForms = ["file(", "url(", "classpath(", "required("];

    private readonly List<Token> _tokens;
    private readonly string _file;
    private int _p;
    private int _depth;

    private HoconParser(List<Token> tokens, string file)
    {
        _tokens = tokens;
        _file = file;
    }

    public static HoconObject Parse(string text, string file) =>
        new HoconParser(HoconLexer.Tokenize(text, file), file).Document();

    private Token Peek => _tokens[_p];

    private Token Next()
    {
        var token = _tokens[_p];
        if (_p < _tokens.Count - 1) _p++;
        return token;
    }

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace) Next();
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline) Next();
    }

    private HoconObject Document()
    {
        SkipWhitespaceAndNewlines();
        var first = Peek;
        if (first.Kind == TokenKind.LeftBracket)
            throw new ScenarioException("expected an object at the top of the file but found '['", first.Position);
        if (first.Kind != TokenKind.LeftBrace)
        {
            var root = new HoconObject(new SourcePosition(_file, 1, 1));
            ObjectBody(root, null, []);
            return root;
        }
        Next();
        var braced = new HoconObject(first.Position);
        Enter(first);
        ObjectBody(braced, first, []);
        Leave();
        SkipWhitespaceAndNewlines();
        if (Peek.Kind != TokenKind.EndOfFile)
            throw new ScenarioException(
                $"expected end of file after the root object's closing '}}' but found {Peek.Describe()}", Peek.Position);
        return braced;
    }

    private void ObjectBody(HoconObject target, Token? open, IReadOnlyList<string>? path)
    {
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == TokenKind.RightBrace)
            {
                if (open is null) throw new ScenarioException("unexpected '}'", token.Position);
                Next();
                return;
            }
            if (token.Kind == TokenKind.EndOfFile)
            {
                if (open is not null)
                    throw new ScenarioException(
                        $"unclosed '{{' opened at {open.Position.Line}:{open.Position.Column}", token.Position);
                return;
            }
            var key = Field(target, path);
            SkipWhitespace();
            token = Peek;
            switch (token.Kind)
            {
                case TokenKind.Comma:
                    Next();
                    break;
                case TokenKind.Newline:
                case TokenKind.RightBrace:
                case TokenKind.EndOfFile:
                    break;
                default:
                    var closer = open is null ? "" : ", '}'";
                    throw new ScenarioException(
                        $"expected ','{closer} or a new line after the value of '{key}' but found {token.Describe()}",
                        token.Position);
            }
        }
    }

    /// <summary>Reads one <c>key = value</c> (or <c>key { ... }</c>) into <paramref name="target"/>; returns the key as written.</summary>
    private string Field(HoconObject target, IReadOnlyList<string>? path)
    {
        var start = Peek;
        RejectInclude(start);

        var keyTokens = new List<Token>();
        while (Peek.Kind is TokenKind.Unquoted or TokenKind.QuotedString or TokenKind.Whitespace) keyTokens.Add(Next());
        if (keyTokens.Count == 0)
            throw new ScenarioException($"expected a key but found {Peek.Describe()}", Peek.Position);

        var keyText = string.Concat(keyTokens.Select(t => t.Kind == TokenKind.QuotedString ? $"\"{t.Text}\"" : t.Text)).Trim();
        var builder = new HoconPath.Builder(keyText, start.Position, "key");
        foreach (var t in keyTokens)
        {
            switch (t.Kind)
            {
                case TokenKind.QuotedString: builder.Quoted(t.Text); break;
                case TokenKind.Whitespace: builder.Whitespace(t.Text); break;
                default: builder.Unquoted(t.Text); break;
            }
        }
        var keyPath = builder.Finish();
        if (_depth + keyPath.Count - 1 > MaxDepth)
            throw new ScenarioException($"values are nested more than {MaxDepth} levels deep", start.Position);
        var fieldPath = path is null ? null : path.Concat(keyPath).ToList();

        var separator = Peek;
        HoconNode? value;
        switch (separator.Kind)
        {
            case TokenKind.Equals:
            case TokenKind.Colon:
                Next();
                SkipWhitespaceAndNewlines();
                value = Value(fieldPath)
                    ?? throw new ScenarioException($"expected a value for '{keyText}' but found {Peek.Describe()}", Peek.Position);
                break;
            case TokenKind.LeftBrace:
                value = Value(fieldPath)!;
                break;
            case TokenKind.PlusEquals:
                throw new ScenarioException(
                    $"'+=' is not supported in scenario files; write the whole array for '{keyText}' instead", separator.Position);
            default:
                throw new ScenarioException(
                    $"expected '=', ':' or '{{' after key '{keyText}' but found {separator.Describe()}", separator.Position);
        }

        for (var i = keyPath.Count - 1; i > 0; i--)
        {
            var wrapper = new HoconObject(start.Position);
            wrapper.Set(keyPath[i], start.Position, value);
            value = wrapper;
        }
        target.Set(keyPath[0], start.Position, HoconMerge.Layer(target.TryGet(keyPath[0]), value, copy: false));
        return keyText;
    }

    private void RejectInclude(Token start)
    {
        if (start.Kind != TokenKind.Unquoted || start.Text != "include") return;
        var i = _p + 1;
        while (i < _tokens.Count && _tokens[i].Kind == TokenKind.Whitespace) i++;
        if (i == _p + 1 || i >= _tokens.Count) return;
        var next = _tokens[i];
        if (next.Kind == TokenKind.QuotedString
            || (next.Kind == TokenKind.Unquoted && IncludeForms.Any(f => next.Text.StartsWith(f, StringComparison.Ordinal))))
            throw new ScenarioException("include is not supported in scenario files", start.Position);
    }

    /// <summary>Reads the pieces of one value up to the end of its line (or a ',' / closing bracket); null if there are none.</summary>
    private HoconNode? Value(IReadOnlyList<string>? fieldPath)
    {
        var pieces = new List<ValuePiece>();
        var hasSubstitution = false;
        SourcePosition? first = null;
        Token? last = null;
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.Unquoted:
                    Next();
                    pieces.Add(new NodePiece(HoconScalar.FromUnquoted(token.Text, token.Position)));
                    break;
                case TokenKind.QuotedString:
                    Next();
                    pieces.Add(new NodePiece(new HoconScalar(token.Text, HoconScalarKind.String, token.Position)));
                    break;
                case TokenKind.Substitution:
                    Next();
                    pieces.Add(token.Substitution!);
                    hasSubstitution = true;
                    break;
                case TokenKind.LeftBrace:
                    Next();
                    Enter(token);
                    var obj = new HoconObject(token.Position);
                    ObjectBody(obj, token, fieldPath);
                    Leave();
                    pieces.Add(new NodePiece(obj));
                    break;
                case TokenKind.LeftBracket:
                    pieces.Add(new NodePiece(Array()));
                    break;
                case TokenKind.Whitespace:
                    Next();
                    if (pieces.Count > 0) pieces.Add(new WhitespacePiece(token.Text));
                    continue;
                default:
                    return Finish();
            }
            first ??= token.Position;
            last = token;
        }

        HoconNode? Finish()
        {
            if (first is null) return null;
            if (Peek.Kind == TokenKind.Colon && last?.Kind == TokenKind.Unquoted)
                throw new ScenarioException(
                    $"unexpected ':' after '{last.Text}': a value containing ':' or '//' (a URL, host:port) must be quoted, "
                    + "e.g. \"http://127.0.0.1:8000\"",
                    Peek.Position);
            return hasSubstitution
                ? new HoconUnresolved(pieces, fieldPath, first)
                : HoconMerge.Concatenate(pieces, first, copy: false);
        }
    }

    private HoconArray Array()
    {
        var open = Next();
        Enter(open);
        var where = $"array opened at {open.Position.Line}:{open.Position.Column}";
        var items = new List<HoconNode>();
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == TokenKind.RightBracket)
            {
                Next();
                break;
            }
            var item = Value(null)
                ?? throw new ScenarioException($"expected a value or ']' but found {token.Describe()} ({where})", token.Position);
            items.Add(item);
            SkipWhitespace();
            token = Peek;
            if (token.Kind == TokenKind.Comma) Next();
            else if (token.Kind is not (TokenKind.Newline or TokenKind.RightBracket))
                throw new ScenarioException($"expected ']' or ',' but found {token.Describe()} ({where})", token.Position);
        }
        Leave();
        return new HoconArray(open.Position, items);
    }

    private void Enter(Token at)
    {
        if (++_depth > MaxDepth)
            throw new ScenarioException($"values are nested more than {MaxDepth} levels deep", at.Position);
    }

    private void Leave() => _depth--;
}
