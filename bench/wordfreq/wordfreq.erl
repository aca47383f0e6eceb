%% wordfreq: word frequencies of a UTF-8 text, Erlang reference (see README.md).
%%
%%   erlc wordfreq.erl
%%   erl -noshell -pa . -run wordfreq main FILE [TOP]
%%
%% Words are maximal runs of code points of general category L* or N*
%% (re with ucp: [\p{L}\p{N}]); each is folded with string:casefold/1 (full
%% case folding) and counted in a map. The text is split into lines first
%% (a newline always separates words), then each line into words.
-module(wordfreq).
-export([main/1]).

main([File]) -> main([File, "20"]);
main([File, TopS]) ->
    Top = list_to_integer(TopS),
    {ok, Text} = file:read_file(File),
    {ok, Sep} = re:compile(<<"[^\\p{L}\\p{N}]+">>, [unicode, ucp]),
    Lines = binary:split(Text, <<"\n">>, [global]),
    {Words, Counts} = lines(Lines, Sep, 0, #{}),
    Sorted = lists:sort([{-C, W} || {W, C} <- maps:to_list(Counts)]),
    Shown = case Top of
                0 -> Sorted;
                _ -> lists:sublist(Sorted, Top)
            end,
    ok = io:setopts([{encoding, unicode}]),     % the words are UTF-8 binaries
    io:put_chars([<<"words ">>, integer_to_binary(Words),
                  <<"\ndistinct ">>, integer_to_binary(map_size(Counts)), $\n,
                  [[integer_to_binary(-C), $\s, W, $\n] || {C, W} <- Shown]]),
    halt(0).

lines([], _Sep, N, Acc) -> {N, Acc};
lines([Line | Rest], Sep, N, Acc) ->
    {N1, Acc1} = words(re:split(Line, Sep), N, Acc),
    lines(Rest, Sep, N1, Acc1).

words([], N, Acc) -> {N, Acc};
words([<<>> | Rest], N, Acc) -> words(Rest, N, Acc);
words([W | Rest], N, Acc) ->
    F = string:casefold(W),
    Acc1 = case Acc of
               #{F := C} -> Acc#{F := C + 1};
               _ -> Acc#{F => 1}
           end,
    words(Rest, N + 1, Acc1).
