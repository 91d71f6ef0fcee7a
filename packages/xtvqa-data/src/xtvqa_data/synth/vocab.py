"""Authored multilingual vocabulary: the words a question names and an answer may be.

A `Term` is one concept written in all eight question languages (en, zh, fr, de, es, ja, ko,
ru). The image shows it in the image language (en, zh or fr); a question in another language
names it in that language, as a translated benchmark question would ("Wie viel kostet
„Kaffee“?" about a French menu that reads "Café"). So answering across languages needs the
cross-lingual link the paper measures. Each line of a table below is
`en|zh|fr|de|es|ja|ko|ru`, written by hand (not machine-translated); label forms are the ones a
chart axis, a table or a sign would print (capitalised nouns, plurals for goods).
"""

from __future__ import annotations

from collections.abc import Mapping

QUESTION_LANGS: tuple[str, ...] = ("en", "zh", "fr", "de", "es", "ja", "ko", "ru")
IMAGE_LANGS: tuple[str, ...] = ("en", "zh", "fr")

Term = Mapping[str, str]  # language -> text, one entry per QUESTION_LANGS


def _table(text: str) -> tuple[Term, ...]:
    terms = []
    for line in text.strip().splitlines():
        forms = [part.strip() for part in line.split("|")]
        if len(forms) != len(QUESTION_LANGS) or not all(forms):
            raise ValueError(f"vocabulary line needs {len(QUESTION_LANGS)} non-empty forms: {line!r}")
        terms.append(dict(zip(QUESTION_LANGS, forms, strict=True)))
    return tuple(terms)


FRUITS = _table("""
Apples|苹果|Pommes|Äpfel|Manzanas|りんご|사과|Яблоки
Pears|梨|Poires|Birnen|Peras|梨|배|Груши
Bananas|香蕉|Bananes|Bananen|Plátanos|バナナ|바나나|Бананы
Cherries|樱桃|Cerises|Kirschen|Cerezas|さくらんぼ|체리|Вишни
Grapes|葡萄|Raisins|Trauben|Uvas|ぶどう|포도|Виноград
Oranges|橙子|Oranges|Orangen|Naranjas|オレンジ|오렌지|Апельсины
Lemons|柠檬|Citrons|Zitronen|Limones|レモン|레몬|Лимоны
Peaches|桃子|Pêches|Pfirsiche|Melocotones|桃|복숭아|Персики
Plums|李子|Prunes|Pflaumen|Ciruelas|すもも|자두|Сливы
Strawberries|草莓|Fraises|Erdbeeren|Fresas|いちご|딸기|Клубника
Mangoes|芒果|Mangues|Mangos|Mangos|マンゴー|망고|Манго
""")

CITIES = _table("""
Paris|巴黎|Paris|Paris|París|パリ|파리|Париж
London|伦敦|Londres|London|Londres|ロンドン|런던|Лондон
Rome|罗马|Rome|Rom|Roma|ローマ|로마|Рим
Berlin|柏林|Berlin|Berlin|Berlín|ベルリン|베를린|Берлин
Madrid|马德里|Madrid|Madrid|Madrid|マドリード|마드리드|Мадрид
Vienna|维也纳|Vienne|Wien|Viena|ウィーン|빈|Вена
Beijing|北京|Pékin|Peking|Pekín|北京|베이징|Пекин
Shanghai|上海|Shanghai|Shanghai|Shanghái|上海|상하이|Шанхай
Tokyo|东京|Tokyo|Tokio|Tokio|東京|도쿄|Токио
Seoul|首尔|Séoul|Seoul|Seúl|ソウル|서울|Сеул
Moscow|莫斯科|Moscou|Moskau|Moscú|モスクワ|모스크바|Москва
Lisbon|里斯本|Lisbonne|Lissabon|Lisboa|リスボン|리스본|Лиссабон
Geneva|日内瓦|Genève|Genf|Ginebra|ジュネーブ|제네바|Женева
Venice|威尼斯|Venise|Venedig|Venecia|ヴェネツィア|베네치아|Венеция
Athens|雅典|Athènes|Athen|Atenas|アテネ|아테네|Афины
Warsaw|华沙|Varsovie|Warschau|Varsovia|ワルシャワ|바르샤바|Варшава
""")

SPORTS = _table("""
Football|足球|Football|Fußball|Fútbol|サッカー|축구|Футбол
Tennis|网球|Tennis|Tennis|Tenis|テニス|테니스|Теннис
Swimming|游泳|Natation|Schwimmen|Natación|水泳|수영|Плавание
Basketball|篮球|Basket-ball|Basketball|Baloncesto|バスケットボール|농구|Баскетбол
Volleyball|排球|Volley-ball|Volleyball|Voleibol|バレーボール|배구|Волейбол
Cycling|骑行|Cyclisme|Radsport|Ciclismo|自転車競技|사이클|Велоспорт
Judo|柔道|Judo|Judo|Judo|柔道|유도|Дзюдо
Rowing|赛艇|Aviron|Rudern|Remo|ボート競技|조정|Гребля
Chess|国际象棋|Échecs|Schach|Ajedrez|チェス|체스|Шахматы
Running|跑步|Course à pied|Laufen|Atletismo|ランニング|달리기|Бег
""")

TRANSPORT = _table("""
Car|汽车|Voiture|Auto|Coche|自動車|자동차|Автомобиль
Bus|公交车|Bus|Bus|Autobús|バス|버스|Автобус
Train|火车|Train|Zug|Tren|電車|기차|Поезд
Bicycle|自行车|Vélo|Fahrrad|Bicicleta|自転車|자전거|Велосипед
Walking|步行|Marche|Zu Fuß|A pie|徒歩|도보|Пешком
Metro|地铁|Métro|U-Bahn|Metro|地下鉄|지하철|Метро
Tram|有轨电车|Tramway|Straßenbahn|Tranvía|路面電車|트램|Трамвай
""")

BUDGET = _table("""
Housing|住房|Logement|Wohnen|Vivienda|住居費|주거비|Жильё
Food|食品|Alimentation|Lebensmittel|Alimentación|食費|식비|Питание
Leisure|休闲|Loisirs|Freizeit|Ocio|娯楽費|여가비|Досуг
Health|医疗|Santé|Gesundheit|Salud|医療費|의료비|Здоровье
Education|教育|Éducation|Bildung|Educación|教育費|교육비|Образование
Clothing|服装|Vêtements|Kleidung|Ropa|被服費|의류비|Одежда
Savings|储蓄|Épargne|Ersparnisse|Ahorro|貯蓄|저축|Сбережения
Energy|能源|Énergie|Energie|Energía|光熱費|에너지|Энергия
""")

OFFICE_ITEMS = _table("""
Pencils|铅笔|Crayons|Bleistifte|Lápices|鉛筆|연필|Карандаши
Notebooks|笔记本|Cahiers|Hefte|Cuadernos|ノート|공책|Тетради
Envelopes|信封|Enveloppes|Umschläge|Sobres|封筒|봉투|Конверты
Stapler|订书机|Agrafeuse|Hefter|Grapadora|ホッチキス|스테이플러|Степлер
Scissors|剪刀|Ciseaux|Schere|Tijeras|はさみ|가위|Ножницы
Printer paper|打印纸|Papier d'imprimante|Druckerpapier|Papel de impresora|コピー用紙|복사용지|Бумага для принтера
Folders|文件夹|Classeurs|Ordner|Carpetas|フォルダー|폴더|Папки
Markers|记号笔|Marqueurs|Marker|Rotuladores|マーカー|마커|Маркеры
Erasers|橡皮|Gommes|Radiergummis|Gomas de borrar|消しゴム|지우개|Ластики
Rulers|尺子|Règles|Lineale|Reglas|定規|자|Линейки
Calculator|计算器|Calculatrice|Taschenrechner|Calculadora|電卓|계산기|Калькулятор
Glue|胶水|Colle|Klebstoff|Pegamento|のり|풀|Клей
Ink cartridges|墨盒|Cartouches d'encre|Tintenpatronen|Cartuchos de tinta|インクカートリッジ|잉크 카트리지|Картриджи
Tape|胶带|Ruban adhésif|Klebeband|Cinta adhesiva|セロハンテープ|테이프|Скотч
Paper clips|回形针|Trombones|Büroklammern|Clips|クリップ|클립|Скрепки
""")

SHOP_TYPES = _table("""
Bakery|面包店|Boulangerie|Bäckerei|Panadería|パン屋|빵집|Пекарня
Pharmacy|药店|Pharmacie|Apotheke|Farmacia|薬局|약국|Аптека
Bookshop|书店|Librairie|Buchhandlung|Librería|書店|서점|Книжный магазин
Florist|花店|Fleuriste|Blumenladen|Floristería|花屋|꽃집|Цветочный магазин
Butcher|肉店|Boucherie|Metzgerei|Carnicería|精肉店|정육점|Мясная лавка
Café|咖啡馆|Café|Café|Cafetería|カフェ|카페|Кафе
Restaurant|餐厅|Restaurant|Restaurant|Restaurante|レストラン|식당|Ресторан
Hair salon|理发店|Salon de coiffure|Friseursalon|Peluquería|美容院|미용실|Парикмахерская
Grocery|杂货店|Épicerie|Lebensmittelladen|Tienda de comestibles|食料品店|식료품점|Продуктовый магазин
Toy shop|玩具店|Magasin de jouets|Spielwarenladen|Juguetería|おもちゃ屋|장난감 가게|Магазин игрушек
""")

MENU_ITEMS = _table("""
Coffee|咖啡|Café|Kaffee|Café|コーヒー|커피|Кофе
Tea|茶|Thé|Tee|Té|紅茶|차|Чай
Hot chocolate|热巧克力|Chocolat chaud|Heiße Schokolade|Chocolate caliente|ホットチョコレート|핫초코|Горячий шоколад
Orange juice|橙汁|Jus d'orange|Orangensaft|Zumo de naranja|オレンジジュース|오렌지 주스|Апельсиновый сок
Croissant|羊角面包|Croissant|Croissant|Cruasán|クロワッサン|크루아상|Круассан
Sandwich|三明治|Sandwich|Sandwich|Sándwich|サンドイッチ|샌드위치|Сэндвич
Salad|沙拉|Salade|Salat|Ensalada|サラダ|샐러드|Салат
Soup|汤|Soupe|Suppe|Sopa|スープ|수프|Суп
Cake|蛋糕|Gâteau|Kuchen|Pastel|ケーキ|케이크|Торт
Ice cream|冰淇淋|Glace|Eis|Helado|アイスクリーム|아이스크림|Мороженое
Lemonade|柠檬水|Limonade|Limonade|Limonada|レモネード|레모네이드|Лимонад
""")

GENRES = _table("""
Novel|小说|Roman|Roman|Novela|小説|소설|Роман
Poetry|诗集|Poésie|Lyrik|Poesía|詩集|시집|Поэзия
History|历史|Histoire|Geschichte|Historia|歴史|역사|История
Cookbook|烹饪|Cuisine|Kochbuch|Cocina|料理本|요리책|Кулинария
Travel guide|旅行指南|Guide de voyage|Reiseführer|Guía de viaje|旅行ガイド|여행 안내서|Путеводитель
Biography|传记|Biographie|Biografie|Biografía|伝記|전기|Биография
Science|科普|Sciences|Wissenschaft|Ciencia|科学|과학|Наука
Mystery|推理小说|Policier|Krimi|Novela negra|ミステリー|추리소설|Детектив
Philosophy|哲学|Philosophie|Philosophie|Filosofía|哲学|철학|Философия
""")

# A weekday as an answer ("Sunday") and as the adverbial a question needs ("on Sundays"):
# Russian and German inflect it ("по воскресеньям", "sonntags"), so the phrase is authored too.
WEEKDAYS = _table("""
Monday|星期一|lundi|Montag|lunes|月曜日|월요일|понедельник
Tuesday|星期二|mardi|Dienstag|martes|火曜日|화요일|вторник
Wednesday|星期三|mercredi|Mittwoch|miércoles|水曜日|수요일|среда
Thursday|星期四|jeudi|Donnerstag|jueves|木曜日|목요일|четверг
Friday|星期五|vendredi|Freitag|viernes|金曜日|금요일|пятница
Saturday|星期六|samedi|Samstag|sábado|土曜日|토요일|суббота
Sunday|星期日|dimanche|Sonntag|domingo|日曜日|일요일|воскресенье
""")
ON_WEEKDAYS = _table("""
on Mondays|星期一|le lundi|montags|los lunes|月曜日に|월요일에|по понедельникам
on Tuesdays|星期二|le mardi|dienstags|los martes|火曜日に|화요일에|по вторникам
on Wednesdays|星期三|le mercredi|mittwochs|los miércoles|水曜日に|수요일에|по средам
on Thursdays|星期四|le jeudi|donnerstags|los jueves|木曜日に|목요일에|по четвергам
on Fridays|星期五|le vendredi|freitags|los viernes|金曜日に|금요일에|по пятницам
on Saturdays|星期六|le samedi|samstags|los sábados|土曜日に|토요일에|по субботам
on Sundays|星期日|le dimanche|sonntags|los domingos|日曜日に|일요일에|по воскресеньям
""")

YES: Term = {"en": "yes", "zh": "是", "fr": "oui", "de": "ja", "es": "sí", "ja": "はい", "ko": "예", "ru": "да"}
NO: Term = {"en": "no", "zh": "否", "fr": "non", "de": "nein", "es": "no", "ja": "いいえ", "ko": "아니요", "ru": "нет"}

ALL_TABLES: dict[str, tuple[Term, ...]] = {
    "fruits": FRUITS, "cities": CITIES, "sports": SPORTS, "transport": TRANSPORT, "budget": BUDGET,
    "office_items": OFFICE_ITEMS, "shop_types": SHOP_TYPES, "menu_items": MENU_ITEMS,
    "genres": GENRES, "weekdays": WEEKDAYS, "on_weekdays": ON_WEEKDAYS,
}
