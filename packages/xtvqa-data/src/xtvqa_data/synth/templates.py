"""Authored question templates: one question kind, written in eight languages.

Each kind is one question asked the same way in en, zh, fr, de, es, ja, ko and ru, written by
hand per language (not machine-translated), so a record's eight questions are translations of
each other. Slots: `{item}`/`{item2}` and `{city}`/`{city2}` take a vocabulary term in the
question's language, `{day_on}` a weekday phrase, and `{year}`, `{year2}`, `{k}`, `{time}`,
`{name}` a string that reads the same in every language. Labels are quoted in each language's
own quotation marks, which also spares the templates case endings (Russian, German) and
particles (Korean) that would depend on the word.
"""

from __future__ import annotations

from xtvqa_data.synth.vocab import QUESTION_LANGS


def _kinds(text: str) -> dict[str, dict[str, str]]:
    """Parse blocks of `kind` followed by eight `lang: template` lines."""
    kinds: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if ":" not in line.split(" ")[0]:
            current = kinds.setdefault(line, {})
            continue
        lang, template = line.split(":", 1)
        current[lang] = template.strip()
    for kind, forms in kinds.items():
        if tuple(forms) != QUESTION_LANGS:
            raise ValueError(f"question kind {kind!r} needs templates for {QUESTION_LANGS} in order, got {tuple(forms)}")
    return kinds


QUESTION_TEMPLATES: dict[str, dict[str, str]] = _kinds("""
chart_value
en: What is the value for “{item}”?
zh: “{item}”的数值是多少？
fr: Quelle est la valeur indiquée pour « {item} » ?
de: Welcher Wert ist für „{item}“ angegeben?
es: ¿Qué valor se indica para «{item}»?
ja: 「{item}」の値はいくつですか？
ko: ‘{item}’의 값은 얼마입니까?
ru: Какое значение указано для «{item}»?

chart_max
en: Which category has the highest value?
zh: 哪个类别的数值最高？
fr: Quelle catégorie a la valeur la plus élevée ?
de: Welche Kategorie hat den höchsten Wert?
es: ¿Qué categoría tiene el valor más alto?
ja: 値が最も大きいカテゴリーはどれですか？
ko: 값이 가장 큰 항목은 무엇입니까?
ru: У какой категории самое большое значение?

chart_min
en: Which category has the lowest value?
zh: 哪个类别的数值最低？
fr: Quelle catégorie a la valeur la plus basse ?
de: Welche Kategorie hat den niedrigsten Wert?
es: ¿Qué categoría tiene el valor más bajo?
ja: 値が最も小さいカテゴリーはどれですか？
ko: 값이 가장 작은 항목은 무엇입니까?
ru: У какой категории самое маленькое значение?

chart_compare
en: Is the value for “{item}” greater than the value for “{item2}”?
zh: “{item}”的数值是否大于“{item2}”？
fr: La valeur de « {item} » est-elle supérieure à celle de « {item2} » ?
de: Ist der Wert von „{item}“ größer als der von „{item2}“?
es: ¿Es el valor de «{item}» mayor que el de «{item2}»?
ja: 「{item}」の値は「{item2}」より大きいですか？
ko: ‘{item}’의 값이 ‘{item2}’보다 큽니까?
ru: Больше ли значение «{item}», чем значение «{item2}»?

pie_share
en: What percentage does “{item}” account for?
zh: “{item}”占百分之多少？
fr: Quel pourcentage représente « {item} » ?
de: Wie viel Prozent entfallen auf „{item}“?
es: ¿Qué porcentaje representa «{item}»?
ja: 「{item}」の割合は何パーセントですか？
ko: ‘{item}’의 비율은 몇 퍼센트입니까?
ru: Какой процент приходится на «{item}»?

pie_max
en: Which category has the largest share?
zh: 哪个类别所占比例最大？
fr: Quelle catégorie représente la plus grande part ?
de: Welche Kategorie hat den größten Anteil?
es: ¿Qué categoría tiene la mayor proporción?
ja: 割合が最も大きいカテゴリーはどれですか？
ko: 비율이 가장 큰 항목은 무엇입니까?
ru: У какой категории самая большая доля?

pie_compare
en: Is the share of “{item}” larger than the share of “{item2}”?
zh: “{item}”所占比例是否大于“{item2}”？
fr: La part de « {item} » est-elle plus grande que celle de « {item2} » ?
de: Ist der Anteil von „{item}“ größer als der von „{item2}“?
es: ¿Es la proporción de «{item}» mayor que la de «{item2}»?
ja: 「{item}」の割合は「{item2}」より大きいですか？
ko: ‘{item}’의 비율이 ‘{item2}’보다 큽니까?
ru: Больше ли доля «{item}», чем доля «{item2}»?

line_value
en: What was the value for “{item}” in {year}?
zh: {year}年“{item}”的数值是多少？
fr: Quelle était la valeur de « {item} » en {year} ?
de: Welchen Wert hatte „{item}“ im Jahr {year}?
es: ¿Cuál era el valor de «{item}» en {year}?
ja: {year}年の「{item}」の値はいくつでしたか？
ko: {year}년 ‘{item}’의 값은 얼마였습니까?
ru: Каким было значение «{item}» в {year} году?

line_peak_year
en: In which year was the value for “{item}” highest?
zh: “{item}”的数值在哪一年最高？
fr: En quelle année la valeur de « {item} » a-t-elle été la plus élevée ?
de: In welchem Jahr war der Wert von „{item}“ am höchsten?
es: ¿En qué año fue más alto el valor de «{item}»?
ja: 「{item}」の値が最も高かったのは何年ですか？
ko: ‘{item}’의 값이 가장 높았던 해는 언제입니까?
ru: В каком году значение «{item}» было самым высоким?

line_increase
en: Did the value for “{item}” increase from {year} to {year2}?
zh: 从{year}年到{year2}年，“{item}”的数值是否上升了？
fr: La valeur de « {item} » a-t-elle augmenté entre {year} et {year2} ?
de: Ist der Wert von „{item}“ von {year} bis {year2} gestiegen?
es: ¿Aumentó el valor de «{item}» entre {year} y {year2}?
ja: 「{item}」の値は{year}年から{year2}年にかけて増加しましたか？
ko: ‘{item}’의 값은 {year}년에서 {year2}년 사이에 증가했습니까?
ru: Выросло ли значение «{item}» с {year} по {year2} год?

doc_qty
en: What is the quantity of “{item}”?
zh: “{item}”的数量是多少？
fr: Quelle est la quantité de « {item} » ?
de: Welche Menge ist für „{item}“ angegeben?
es: ¿Cuál es la cantidad de «{item}»?
ja: 「{item}」の数量はいくつですか？
ko: ‘{item}’의 수량은 얼마입니까?
ru: Какое количество указано для «{item}»?

doc_amount
en: What is the amount charged for “{item}”?
zh: “{item}”的金额是多少？
fr: Quel est le montant pour « {item} » ?
de: Welcher Betrag wird für „{item}“ berechnet?
es: ¿Cuál es el importe de «{item}»?
ja: 「{item}」の金額はいくらですか？
ko: ‘{item}’의 금액은 얼마입니까?
ru: Какова сумма за «{item}»?

doc_total
en: What is the total amount of the invoice?
zh: 这张发票的合计金额是多少？
fr: Quel est le montant total de la facture ?
de: Wie hoch ist der Gesamtbetrag der Rechnung?
es: ¿Cuál es el importe total de la factura?
ja: この請求書の合計金額はいくらですか？
ko: 이 청구서의 합계 금액은 얼마입니까?
ru: Какова общая сумма счёта?

doc_number
en: What is the invoice number?
zh: 发票号码是多少？
fr: Quel est le numéro de la facture ?
de: Wie lautet die Rechnungsnummer?
es: ¿Cuál es el número de la factura?
ja: 請求書番号は何ですか？
ko: 청구서 번호는 무엇입니까?
ru: Какой номер у счёта?

doc_customer
en: What is the name of the customer?
zh: 客户的姓名是什么？
fr: Quel est le nom du client ?
de: Wie heißt der Kunde?
es: ¿Cómo se llama el cliente?
ja: 顧客の名前は何ですか？
ko: 고객의 이름은 무엇입니까?
ru: Как зовут клиента?

doc_listed
en: Is “{item}” listed on the invoice?
zh: 发票上是否列有“{item}”？
fr: La facture comporte-t-elle l'article « {item} » ?
de: Ist „{item}“ auf der Rechnung aufgeführt?
es: ¿Aparece «{item}» en la factura?
ja: 請求書に「{item}」は記載されていますか？
ko: 청구서에 ‘{item}’ 항목이 있습니까?
ru: Есть ли в счёте позиция «{item}»?

doc_qty_more
en: Is the quantity of “{item}” greater than {k}?
zh: “{item}”的数量是否大于{k}？
fr: La quantité de « {item} » est-elle supérieure à {k} ?
de: Ist die Menge von „{item}“ größer als {k}?
es: ¿Es la cantidad de «{item}» mayor que {k}?
ja: 「{item}」の数量は{k}より多いですか？
ko: ‘{item}’의 수량은 {k}보다 많습니까?
ru: Превышает ли количество «{item}» {k}?

tt_time
en: At what time does the train to “{city}” depart?
zh: 开往“{city}”的列车几点出发？
fr: À quelle heure part le train pour « {city} » ?
de: Um wie viel Uhr fährt der Zug nach „{city}“ ab?
es: ¿A qué hora sale el tren a «{city}»?
ja: 「{city}」行きの列車は何時に出発しますか？
ko: ‘{city}’행 열차는 몇 시에 출발합니까?
ru: Во сколько отправляется поезд в направлении «{city}»?

tt_platform
en: From which platform does the train to “{city}” depart?
zh: 开往“{city}”的列车从几号站台出发？
fr: De quelle voie part le train pour « {city} » ?
de: Von welchem Gleis fährt der Zug nach „{city}“ ab?
es: ¿De qué andén sale el tren a «{city}»?
ja: 「{city}」行きの列車は何番線から出発しますか？
ko: ‘{city}’행 열차는 몇 번 승강장에서 출발합니까?
ru: С какой платформы отправляется поезд в направлении «{city}»?

tt_dest
en: What is the destination of the train that departs at {time}?
zh: {time}出发的列车开往哪里？
fr: Quelle est la destination du train de {time} ?
de: Wohin fährt der Zug um {time}?
es: ¿Cuál es el destino del tren de las {time}?
ja: {time}発の列車の行き先はどこですか？
ko: {time}에 출발하는 열차의 목적지는 어디입니까?
ru: Куда идёт поезд, отправляющийся в {time}?

tt_platform_yn
en: Does the train to “{city}” depart from platform {k}?
zh: 开往“{city}”的列车是否从{k}号站台出发？
fr: Le train pour « {city} » part-il de la voie {k} ?
de: Fährt der Zug nach „{city}“ von Gleis {k} ab?
es: ¿Sale el tren a «{city}» del andén {k}?
ja: 「{city}」行きの列車は{k}番線から出発しますか？
ko: ‘{city}’행 열차는 {k}번 승강장에서 출발합니까?
ru: Отправляется ли поезд в направлении «{city}» с платформы {k}?

shop_type
en: What kind of shop is this?
zh: 这是一家什么店？
fr: De quel type de commerce s'agit-il ?
de: Was für ein Geschäft ist das?
es: ¿Qué tipo de tienda es esta?
ja: これは何の店ですか？
ko: 이곳은 어떤 가게입니까?
ru: Что это за заведение?

shop_name
en: What is the name of the shop?
zh: 这家店叫什么名字？
fr: Comment s'appelle ce commerce ?
de: Wie heißt das Geschäft?
es: ¿Cómo se llama la tienda?
ja: この店の名前は何ですか？
ko: 이 가게의 이름은 무엇입니까?
ru: Как называется это заведение?

shop_opens
en: At what time does the shop open?
zh: 这家店几点开门？
fr: À quelle heure ouvre ce commerce ?
de: Um wie viel Uhr öffnet das Geschäft?
es: ¿A qué hora abre la tienda?
ja: この店は何時に開店しますか？
ko: 이 가게는 몇 시에 문을 엽니까?
ru: Во сколько открывается это заведение?

shop_closes
en: At what time does the shop close?
zh: 这家店几点关门？
fr: À quelle heure ferme ce commerce ?
de: Um wie viel Uhr schließt das Geschäft?
es: ¿A qué hora cierra la tienda?
ja: この店は何時に閉店しますか？
ko: 이 가게는 몇 시에 문을 닫습니까?
ru: Во сколько закрывается это заведение?

shop_closed_day
en: On which day of the week is the shop closed?
zh: 这家店星期几休息？
fr: Quel jour de la semaine ce commerce est-il fermé ?
de: An welchem Wochentag ist das Geschäft geschlossen?
es: ¿Qué día de la semana cierra la tienda?
ja: この店の定休日は何曜日ですか？
ko: 이 가게는 무슨 요일에 쉽니까?
ru: В какой день недели это заведение закрыто?

shop_open_on
en: Is the shop open {day_on}?
zh: 这家店{day_on}营业吗？
fr: Ce commerce est-il ouvert {day_on} ?
de: Hat das Geschäft {day_on} geöffnet?
es: ¿Abre la tienda {day_on}?
ja: この店は{day_on}営業していますか？
ko: 이 가게는 {day_on} 영업합니까?
ru: Работает ли это заведение {day_on}?

shop_phone
en: What is the phone number on the sign?
zh: 招牌上的电话号码是多少？
fr: Quel est le numéro de téléphone indiqué sur l'enseigne ?
de: Welche Telefonnummer steht auf dem Schild?
es: ¿Qué número de teléfono aparece en el letrero?
ja: 看板に書かれている電話番号は何ですか？
ko: 간판에 적힌 전화번호는 무엇입니까?
ru: Какой номер телефона указан на вывеске?

menu_price
en: How much does “{item}” cost?
zh: “{item}”多少钱？
fr: Combien coûte « {item} » ?
de: Wie viel kostet „{item}“?
es: ¿Cuánto cuesta «{item}»?
ja: 「{item}」はいくらですか？
ko: ‘{item}’의 가격은 얼마입니까?
ru: Сколько стоит «{item}»?

menu_cheapest
en: Which item on the menu is the cheapest?
zh: 菜单上哪一项最便宜？
fr: Quel article de la carte est le moins cher ?
de: Welcher Artikel auf der Karte ist am günstigsten?
es: ¿Qué artículo del menú es el más barato?
ja: メニューで一番安いものはどれですか？
ko: 메뉴에서 가장 싼 것은 무엇입니까?
ru: Какая позиция в меню самая дешёвая?

menu_priciest
en: Which item on the menu is the most expensive?
zh: 菜单上哪一项最贵？
fr: Quel article de la carte est le plus cher ?
de: Welcher Artikel auf der Karte ist am teuersten?
es: ¿Qué artículo del menú es el más caro?
ja: メニューで一番高いものはどれですか？
ko: 메뉴에서 가장 비싼 것은 무엇입니까?
ru: Какая позиция в меню самая дорогая?

menu_more_expensive
en: Does “{item}” cost more than “{item2}”?
zh: “{item}”比“{item2}”贵吗？
fr: Le prix de « {item} » est-il supérieur à celui de « {item2} » ?
de: Kostet „{item}“ mehr als „{item2}“?
es: ¿Cuesta «{item}» más que «{item2}»?
ja: 「{item}」は「{item2}」より高いですか？
ko: ‘{item}’의 가격이 ‘{item2}’보다 비쌉니까?
ru: Стоит ли «{item}» дороже, чем «{item2}»?

menu_on
en: Is “{item}” on the menu?
zh: 菜单上有“{item}”吗？
fr: La carte propose-t-elle « {item} » ?
de: Steht „{item}“ auf der Karte?
es: ¿Está «{item}» en el menú?
ja: メニューに「{item}」はありますか？
ko: 메뉴에 ‘{item}’ 항목이 있습니까?
ru: Есть ли в меню «{item}»?

dir_distance
en: How many kilometres is it to “{city}”?
zh: 到“{city}”还有多少公里？
fr: À combien de kilomètres se trouve « {city} » ?
de: Wie viele Kilometer sind es bis „{city}“?
es: ¿A cuántos kilómetros está «{city}»?
ja: 「{city}」まで何キロですか？
ko: ‘{city}’까지 몇 킬로미터입니까?
ru: Сколько километров до «{city}»?

dir_nearest
en: Which destination on the sign is the closest?
zh: 路牌上哪个目的地最近？
fr: Quelle destination indiquée sur le panneau est la plus proche ?
de: Welches Ziel auf dem Schild ist am nächsten?
es: ¿Qué destino del cartel está más cerca?
ja: 標識の中で一番近い行き先はどこですか？
ko: 표지판에서 가장 가까운 목적지는 어디입니까?
ru: Какой пункт на указателе ближе всего?

dir_farther
en: Is “{city}” farther away than “{city2}”?
zh: “{city}”比“{city2}”更远吗？
fr: Y a-t-il plus de kilomètres jusqu'à « {city} » que jusqu'à « {city2} » ?
de: Ist „{city}“ weiter entfernt als „{city2}“?
es: ¿Está «{city}» más lejos que «{city2}»?
ja: 「{city}」は「{city2}」より遠いですか？
ko: ‘{city}’까지가 ‘{city2}’까지보다 멉니까?
ru: Дальше ли «{city}», чем «{city2}»?

cover_title
en: What is the title of this book?
zh: 这本书的书名是什么？
fr: Quel est le titre de ce livre ?
de: Wie lautet der Titel dieses Buches?
es: ¿Cuál es el título de este libro?
ja: この本のタイトルは何ですか？
ko: 이 책의 제목은 무엇입니까?
ru: Как называется эта книга?

cover_author
en: Who is the author of this book?
zh: 这本书的作者是谁？
fr: Qui est l'auteur de ce livre ?
de: Wer ist der Autor dieses Buches?
es: ¿Quién es el autor de este libro?
ja: この本の著者は誰ですか？
ko: 이 책의 저자는 누구입니까?
ru: Кто автор этой книги?

cover_publisher
en: Who published this book?
zh: 这本书由哪家出版社出版？
fr: Quelle maison d'édition a publié ce livre ?
de: In welchem Verlag ist dieses Buch erschienen?
es: ¿Qué editorial publicó este libro?
ja: この本の出版社はどこですか？
ko: 이 책의 출판사는 어디입니까?
ru: Какое издательство выпустило эту книгу?

cover_year
en: In which year was this book published?
zh: 这本书是哪一年出版的？
fr: En quelle année ce livre a-t-il été publié ?
de: In welchem Jahr wurde dieses Buch veröffentlicht?
es: ¿En qué año se publicó este libro?
ja: この本は何年に出版されましたか？
ko: 이 책은 몇 년에 출판되었습니까?
ru: В каком году была издана эта книга?

cover_genre
en: What genre is this book?
zh: 这本书属于什么类别？
fr: À quel genre appartient ce livre ?
de: Welchem Genre gehört dieses Buch an?
es: ¿A qué género pertenece este libro?
ja: この本のジャンルは何ですか？
ko: 이 책의 장르는 무엇입니까?
ru: К какому жанру относится эта книга?

cover_before
en: Was this book published before {year}?
zh: 这本书是在{year}年之前出版的吗？
fr: Ce livre a-t-il été publié avant {year} ?
de: Wurde dieses Buch vor {year} veröffentlicht?
es: ¿Se publicó este libro antes de {year}?
ja: この本は{year}年より前に出版されましたか？
ko: 이 책은 {year}년 이전에 출판되었습니까?
ru: Была ли эта книга издана до {year} года?

cover_by
en: Was this book written by {name}?
zh: 这本书的作者是{name}吗？
fr: Ce livre a-t-il été écrit par {name} ?
de: Wurde dieses Buch von {name} geschrieben?
es: ¿Escribió {name} este libro?
ja: この本の著者は{name}ですか？
ko: 이 책의 저자는 {name}입니까?
ru: Является ли {name} автором этой книги?
""")
